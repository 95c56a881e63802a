"""Industry and air quality: plants and air monitors on a map, OEE trend, PM grades, open alarms, SME programme."""

import streamlit as st

from dashboard import api, views
from dashboard.widgets import (
    fetch,
    filters_row,
    map_chart,
    no_data,
    page_title,
    problem,
    service_overview,
    t,
    table,
)

SERVICE = "industry"
page_title("industry")


@st.fragment(run_every=api.LIVE_TTL_S)
def live() -> None:
    st.caption(t("live", s=api.LIVE_TTL_S))
    service_overview(SERVICE)


live()

sites_reply = fetch(SERVICE, "/v1/sites", live=False)
sites = views.frame(sites_reply.data) if sites_reply.ok else views.frame([])
site_ids = [str(s) for s in sites.get("id", [])] if not sites.empty else []
chosen = filters_row(("site", site_ids), key="industry")
params = {**views.date_params(chosen["dates"]), "site_id": chosen["site"]}

st.subheader(t("map"))
monitors_reply = fetch(SERVICE, ["/v1/air/monitors", "/v1/air-monitors"], live=False)
layers, shown = [], []
if not problem(sites_reply):
    plants = views.with_positions(sites)
    if not plants.empty:
        layers.append(views.points_layer(plants, colour="muted", radius_m=400, layer_id="plants"))
        shown.append(plants)
if monitors_reply.ok:
    monitors = views.with_positions(views.frame(monitors_reply.data))
    if not monitors.empty:
        layers.append(views.points_layer(monitors, colour="good", radius_m=150, layer_id="monitors"))
        shown.append(monitors)
if layers:
    import pandas as pd

    map_chart(layers, pd.concat(shown), tooltip_html="{name}", key="industry_map")
elif sites_reply.ok:
    no_data()

left, right = st.columns(2)
with left:
    st.subheader(t("oee_trend"))
    reply = fetch(SERVICE, ["/v1/kpi/oee", "/v1/kpis/oee", "/v1/oee"], params=params)
    if not problem(reply):
        df = views.frame(reply.data)
        when = views.pick(df, "day", "date", "period_start", "hour")
        oee = views.pick(df, "oee")
        if df.empty or not when or not oee:
            no_data()
        else:
            st.altair_chart(views.line_chart(df, when, oee, color=views.pick(df, "work_unit_id", "site_id"),
                                             y_format="%", rule_at=0.85), use_container_width=True)
with right:
    st.subheader(t("pm_grades"))
    reply = fetch(SERVICE, ["/v1/air/grades", "/v1/air/latest", "/v1/air"], params=params)
    if not problem(reply):
        df = views.frame(reply.data)
        if df.empty:
            no_data()
        else:
            table(df)

st.subheader(t("alarms"))
reply = fetch(SERVICE, "/v1/alarms", params={"status": "open", "site_id": chosen["site"]})
if not problem(reply):
    df = views.frame(reply.data)
    if df.empty:
        no_data()
    else:
        table(df)
