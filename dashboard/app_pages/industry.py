"""Industry and air quality: plants and air monitors on a map (monitors in their AirKorea grade colour), the OEE
trend, PM grades and alerts, open alarms, and the SME smart-factory programme against its targets."""

import pandas as pd
import streamlit as st

from dashboard import safety_section, views
from dashboard.widgets import (
    as_of,
    fetch,
    lang,
    live_overview,
    map_chart,
    no_data,
    page_title,
    prefetch,
    problem,
    t,
    table,
)

SERVICE = "industry"
page_title("industry")
prefetch((SERVICE, "/v1/overview"), (SERVICE, "/v1/sites", None, False))

live_overview(SERVICE)

sites_reply = fetch(SERVICE, "/v1/sites", live=False)
sites = views.frame(sites_reply.data) if sites_reply.ok else pd.DataFrame()
site_names = {r["id"]: (r.get("name_ko") or r["name"]) if lang() == "ko" else r["name"]
              for r in views.items_of(sites_reply.data)} if sites_reply.ok else {}
left, right = st.columns(2)
site = left.selectbox(t("site"), [t("all"), *site_names.values()], key="industry_site")
site_id = next((k for k, v in site_names.items() if v == site), None)
days = right.select_slider(t("days"), [7, 14, 30, 90, 180, 365], value=30, key="industry_days")
# every call of the page below (the safety section's too) at once; each `fetch` after this is a cache hit
unit_now = st.session_state.get("industry_unit")
OEE = {"days": days, "work_unit_id": None if unit_now in (None, t("all")) else unit_now}
ALARMS = {"state": "active", "site_id": site_id, "limit": 200}
prefetch(*safety_section.calls(site_id, site_names), (SERVICE, "/v1/air/monitors"), (SERVICE, "/v1/kpi/oee-trend", OEE),
         (SERVICE, "/v1/alarms", ALARMS), (SERVICE, "/v1/programme/progress", None, False),
         *([(SERVICE, f"/v1/sites/{site_id}", None, False)] if site_id else []))

safety_section.render(site_id, site_names)  # open safety alarms first

st.subheader(t("map"))
monitors_reply = fetch(SERVICE, "/v1/air/monitors")
problem(sites_reply)
layers, shown = [], []
if not sites.empty:
    plants = views.with_positions(sites)
    plants["label"] = plants["id"].map(site_names)
    layers.append(views.points_layer(plants, colour="muted", radius_m=350, layer_id="plants"))
    shown.append(plants)
if not problem(monitors_reply):
    monitors = views.with_positions(views.frame(monitors_reply.data))
    if not monitors.empty:
        monitors["colour"] = monitors["grade"].map(lambda g: views.GRADE_COLOURS.get(g, views.COLOURS["muted"]))
        monitors["label"] = monitors["name_ko" if lang() == "ko" else "name"] + " · " + \
            monitors["grade_ko" if lang() == "ko" else "grade"].fillna("—")
        layers.append(views.points_layer(monitors, colour="colour", radius_m=160, layer_id="monitors"))
        shown.append(monitors)
if layers:
    map_chart(layers, pd.concat(shown), tooltip_html="{label}", key="industry_map")
    st.caption(t("industry_map_note"))
else:
    no_data()

left, right = st.columns(2)
with left:
    st.subheader(t("oee_trend"))
    work_units = []
    if site_id:
        detail = fetch(SERVICE, f"/v1/sites/{site_id}", live=False)
        if detail.ok:
            work_units = [w["id"] for line in detail.data.get("lines", []) for w in line.get("work_units", [])]
    unit = st.selectbox(t("work_unit"), [t("all"), *work_units], key="industry_unit")
    reply = fetch(SERVICE, "/v1/kpi/oee-trend",
                  params={"days": days, "work_unit_id": None if unit == t("all") else unit})  # = OEE unless changed
    if not problem(reply):
        df = views.frame(reply.data)
        if df.empty or df["oee"].dropna().empty:
            no_data()
        else:
            long = df.melt(id_vars="day", value_vars=["oee", "availability", "effectiveness", "quality_ratio"],
                           var_name="kpi", value_name="value").dropna()
            st.altair_chart(views.line_chart(long, "day", "value", color="kpi", y_format="%", rule_at=0.85),
                            width="stretch")
            st.caption(t("oee_note"))
        as_of(reply.fetched_at)
with right:
    st.subheader(t("pm_grades"))
    if monitors_reply.ok:
        df = views.frame(monitors_reply.data)
        if site_id and not df.empty:
            df = df[df["site_id"] == site_id]
        if df.empty:
            no_data()
        else:
            name = "name_ko" if lang() == "ko" else "name"
            cols = [name, "kind", "pm10", "pm25", "grade_ko" if lang() == "ko" else "grade", "pm10_alert",
                    "pm25_alert", "latest_ts"]
            table(df[[c for c in cols if c in df.columns]])
            counts = df["grade"].fillna("none").value_counts().rename_axis("grade").reset_index(name="monitors")
            st.altair_chart(views.bar_chart(counts, "grade", "monitors", x_title=t("pm_grades"),
                                            y_title=t("count")), width="stretch")
        as_of(monitors_reply.fetched_at)

st.subheader(t("alarms"))
# every alarm whose condition stands, acknowledged or not (ISA-18.2: acknowledging does not end an alarm)
reply = fetch(SERVICE, "/v1/alarms", params=ALARMS)
if not problem(reply):
    df = views.frame(reply.data)
    if df.empty:
        st.success(t("no_open_alarms"), icon=":material/check_circle:")
    else:
        cols = ["opened_at", "severity", "site_id", "work_unit_id", "alarm_type", "message", "value", "state",
                "shelved_until"]
        table(df[[c for c in cols if c in df.columns]])
    as_of(reply.fetched_at)

st.subheader(t("sme_programme"))
reply = fetch(SERVICE, "/v1/programme/progress", live=False)
if not problem(reply):
    targets = pd.DataFrame(reply.data.get("targets") or [])
    if targets.empty:
        no_data()
    else:
        table(targets)
    built = reply.data.get("built_by_level") or {}
    if built:
        levels = pd.DataFrame([{"level": k, "smes": v} for k, v in built.items()])
        st.altair_chart(views.bar_chart(levels, "level", "smes", x_title=t("level"), y_title=t("count")),
                        width="stretch")
    as_of(reply.fetched_at)
