"""Buses and concession misuse: boarding figures, ridership by hour / route / stop, concession share, flagged
boardings awaiting review, and the routes' stops on a map when the service gives their positions."""

import pandas as pd
import streamlit as st

from dashboard import views
from dashboard.widgets import (
    as_of,
    fetch,
    filters_row,
    live_overview,
    map_chart,
    no_data,
    page_title,
    prefetch,
    problem,
    t,
    table,
)

SERVICE = "transit"
page_title("boarding")

live_overview(SERVICE, scope="signals_", include=False)

chosen = filters_row(key="boarding")
period = views.date_params(chosen["dates"], start_key="date_from", end_key="date_to")
FLAGGED = {"flagged": "true", "limit": 200}
prefetch((SERVICE, "/v1/ridership", period), (SERVICE, "/v1/boardings", FLAGGED),
         (SERVICE, "/v1/stops", None, False))  # what the page shows below, at once
reply = fetch(SERVICE, "/v1/ridership", params=period)
if not problem(reply):
    body = reply.data
    by_route = pd.DataFrame(body.get("by_route") or [])
    routes = sorted(by_route["key"].astype(str)) if not by_route.empty else []

    # None is a total the service withheld (a small count: suppressed), never "no data" (that is 0)
    total = body.get("total")
    st.metric(t("ridership_total"), t("suppressed") if total is None else views.format_number(total))
    left, right = st.columns(2)
    with left:
        st.subheader(t("ridership_by_hour"))
        hours = pd.DataFrame(body.get("by_hour") or [])
        if hours.empty:
            no_data()
        else:
            shown = hours[~hours.get("suppressed", False).astype(bool)] if "suppressed" in hours else hours
            if shown.empty:  # every hour withheld as a small cell: say so, never an empty chart
                st.info(t("suppressed"))
            else:
                st.altair_chart(views.bar_chart(shown, "key", "boardings", x_title=t("hour"), y_title=t("count")),
                                width="stretch")
    with right:
        st.subheader(t("ridership_by_route"))
        if by_route.empty:
            no_data()
        else:
            shown = by_route[~by_route["suppressed"].astype(bool)] if "suppressed" in by_route else by_route
            if shown.empty:
                st.info(t("suppressed"))
            else:
                st.altair_chart(views.bar_chart(shown, "key", "boardings", x_title=t("route"), y_title=t("count")),
                                width="stretch")
    left, right = st.columns(2)
    with left:
        st.subheader(t("concession_share"))
        share = body.get("concession_share") or {}
        if share:
            table(pd.DataFrame([{t("concession"): k, t("value"): views.format_number(v, "share")}
                                for k, v in share.items()]))
        else:
            no_data()
    with right:
        st.subheader(t("ridership_by_stop"))
        stops = pd.DataFrame(body.get("by_stop") or [])
        if stops.empty:
            no_data()
        else:
            table(stops.sort_values("boardings", ascending=False, na_position="last").head(50)
                  .rename(columns={"key": t("stop"), "boardings": t("count")}), height=260)
    as_of(reply.fetched_at)
    st.caption(t("min_cell_note", n=body.get("min_cell", 5)))
else:
    routes = []

st.subheader(t("flagged_misuse"))
# the route filter sits on the one table it filters (the figures above are the whole network's)
route = st.selectbox(t("route"), [t("all"), *routes], key="boarding_route")
route = None if route == t("all") else route
reply = fetch(SERVICE, "/v1/boardings", params=FLAGGED)
if not problem(reply):
    df = views.frame(reply.data)
    if route and not df.empty:
        df = df[df["route_id"].astype(str) == route]
    if df.empty:
        no_data()
    else:
        cols = [c for c in ("occurred_at", "route_id", "stop_id", "bus_id", "decision", "reason", "concession",
                            "distance", "margin", "reviewed_at") if c in df.columns]
        table(df[cols])
    as_of(reply.fetched_at)

st.subheader(t("map"))
stops_reply = fetch(SERVICE, ["/v1/stops", "/v1/routes"], live=False)
positioned = views.with_positions(views.frame(stops_reply.data)) if stops_reply.ok else pd.DataFrame()
if positioned.empty:
    st.info(t("no_stop_positions"), icon=":material/hourglass_empty:")
else:
    paths = [{"name": f"{t('route')} {route_id}", "path": views.path_of(group.to_dict("records"))}
             for route_id, group in positioned.groupby("route_id")] if "route_id" in positioned.columns else []
    layers = ([views.paths_layer(paths)] if paths else []) + [views.points_layer(positioned, radius_m=60)]
    if "name" in positioned.columns:
        layers.append(views.labels_layer(positioned, "name"))
    map_chart(layers, positioned, tooltip_html="{name}", key="boarding_map",
              legend=[(views.COLOURS["route"], t("legend_route")), (views.COLOURS["ok"], t("legend_stop"))])
