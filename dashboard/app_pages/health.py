"""Community centres' health: the 641 centres on a map, BP control rate by month, indicators as the service
returns them (small cells suppressed there, never recomputed here), crisis alerts waiting."""

import streamlit as st

from dashboard import api, views
from dashboard.widgets import (
    as_of,
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

SERVICE = "health_hubs"
page_title("health")


@st.fragment(run_every=api.LIVE_TTL_S)
def live() -> None:
    st.caption(t("live", s=api.LIVE_TTL_S))
    service_overview(SERVICE)


live()
st.caption(t("suppressed_note"))

centres_reply = fetch(SERVICE, "/v1/centres", live=False)
centres = views.frame(centres_reply.data) if centres_reply.ok else views.frame([])
districts = sorted({str(d) for d in centres.get("district", []) if d}) if not centres.empty else ["Buk-gu", "Nam-gu"]
chosen = filters_row(("district", districts), key="health")
params = {**views.date_params(chosen["dates"]), "district": chosen["district"]}

st.subheader(t("map"))
if not problem(centres_reply):
    positioned = views.with_positions(centres)
    if chosen["district"] and "district" in positioned.columns:
        positioned = positioned[positioned["district"] == chosen["district"]]
    if positioned.empty:
        no_data()
    else:
        map_chart([views.points_layer(positioned, radius_m=150)], positioned, tooltip_html="{id} {name}",
                  key="health_map")

st.subheader(t("bp_control"))
reply = fetch(SERVICE, ["/v1/indicators/monthly", "/v1/indicators"], params=params)
if not problem(reply):
    df = views.frame(reply.data)
    month = views.pick(df, "month", "period")
    rate = views.pick(df, "bp_controlled_pct", "controlled_pct", "bp_control_rate")
    if df.empty or not month or not rate:
        no_data()
    else:
        shown = df[[month, rate]].dropna()  # suppressed months carry no rate: left out of the line, not filled in
        st.altair_chart(views.line_chart(shown, month, rate, x_type="O", y_title="%"), use_container_width=True)
        st.subheader(t("indicators"))
        table(df)
    as_of(reply.data.get("as_of") if isinstance(reply.data, dict) else reply.fetched_at)

st.subheader(t("alerts"))
reply = fetch(SERVICE, "/v1/alerts", params={"status": "open"})
if not problem(reply):
    df = views.frame(reply.data)
    if df.empty:
        no_data()
    else:
        table(df)
