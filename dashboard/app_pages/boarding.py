"""Buses and concession misuse: headline figures, routes and stops on a map, ridership by hour, flagged events."""

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
page_title("boarding")


@st.fragment(run_every=api.LIVE_TTL_S)
def live() -> None:
    st.caption(t("live", s=api.LIVE_TTL_S))
    service_overview(SERVICE)


live()

routes_reply = fetch(SERVICE, ["/v1/routes", "/v1/boarding/routes"], live=False)
routes = views.items_of(routes_reply.data) if routes_reply.ok else []
route_ids = [str(r.get("id") or r.get("route_id")) for r in routes if r.get("id") or r.get("route_id")]
chosen = filters_row(("route", route_ids), key="boarding")
params = {**views.date_params(chosen["dates"]), "route_id": chosen["route"]}

st.subheader(t("map"))
stops_reply = fetch(SERVICE, ["/v1/stops", "/v1/boarding/stops"], params={"route_id": chosen["route"]}, live=False)
if not problem(stops_reply, quiet_missing=True):
    stops = views.with_positions(views.frame(stops_reply.data))
    paths = []
    for route in routes:
        if chosen["route"] and str(route.get("id") or route.get("route_id")) != chosen["route"]:
            continue
        path = route.get("path") or views.path_of(route.get("stops") or [])
        if path:
            paths.append({"name": route.get("name") or route.get("id"), "path": path})
    layers = ([views.paths_layer(paths)] if paths else []) + ([views.points_layer(stops, radius_m=60)] if not stops.empty else [])
    if layers:
        map_chart(layers, stops, tooltip_html="{name}", key="boarding_map")
    else:
        no_data()
elif stops_reply.status == "missing":
    no_data()

left, right = st.columns(2)
with left:
    st.subheader(t("ridership_by_hour"))
    reply = fetch(SERVICE, ["/v1/ridership/hourly", "/v1/ridership"], params={**params, "group_by": "hour"})
    if not problem(reply):
        df = views.frame(reply.data)
        hour = views.pick(df, "hour", "hour_of_day", "bucket")
        count = views.pick(df, "boardings", "count", "riders", "total")
        colour = views.pick(df, "concession")
        if df.empty or not hour or not count:
            no_data()
        else:
            st.altair_chart(views.bar_chart(df, hour, count, color=colour, x_title=t("ridership_by_hour"),
                                            y_title=t("count")), use_container_width=True)
        as_of((reply.data or {}).get("as_of") if isinstance(reply.data, dict) else reply.fetched_at)
with right:
    st.subheader(t("flagged_misuse"))
    reply = fetch(SERVICE, ["/v1/boardings/flagged", "/v1/misuse", "/v1/boardings?decision=mismatch"], params=params)
    if not problem(reply):
        df = views.frame(reply.data)
        if df.empty:
            no_data()
        else:
            table(df.head(200))
        as_of((reply.data or {}).get("as_of") if isinstance(reply.data, dict) else reply.fetched_at)
