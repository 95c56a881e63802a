"""Crossings and slow walkers: the crossings on a map, clearance extensions, the design speed review."""

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

SERVICE = "transit"
page_title("crossings")


@st.fragment(run_every=api.LIVE_TTL_S)
def live() -> None:
    st.caption(t("live", s=api.LIVE_TTL_S))
    service_overview(SERVICE)


live()

crossings_reply = fetch(SERVICE, "/v1/crossings", live=False)
crossings = views.frame(crossings_reply.data) if crossings_reply.ok else views.frame([])
chosen = filters_row(key="crossings")
params = views.date_params(chosen["dates"])

st.subheader(t("map"))
if not problem(crossings_reply):
    positioned = views.with_positions(crossings)
    if positioned.empty:
        no_data()
    else:
        map_chart([views.points_layer(positioned, radius_m=50)], positioned, tooltip_html="{id} {zone}",
                  key="crossings_map")

st.subheader(t("clearance_extensions"))
reply = fetch(SERVICE, ["/v1/extensions", "/v1/crossings/extensions"], params=params)
if not problem(reply):
    df = views.frame(reply.data)
    when = views.pick(df, "day", "date", "hour", "decided_at", "at")
    value = views.pick(df, "extensions", "count", "extension_s", "extended_s")
    if df.empty or not when or not value:
        no_data()
    else:
        st.altair_chart(views.bar_chart(df, when, value, color=views.pick(df, "crossing_id", "reason")),
                        use_container_width=True)

st.subheader(t("design_speed_review"))
reply = fetch(SERVICE, ["/v1/crossings/design-speed-review", "/v1/design-speed-review"])
if not problem(reply):
    df = views.frame(reply.data)
    if df.empty:
        no_data()
    else:
        table(df)
    as_of(reply.data.get("as_of") if isinstance(reply.data, dict) else reply.fetched_at)
