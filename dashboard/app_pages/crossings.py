"""Crossings and slow walkers: signal figures, the crossings on a map (red where the design speed is faster
than the measured 15th-percentile walker), clearance extensions per crossing, the design speed review."""

import pandas as pd
import streamlit as st

from dashboard import views
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

SERVICE = "transit"
page_title("crossings")
prefetch((SERVICE, "/v1/overview"), (SERVICE, "/v1/crossings"))  # both at once

live_overview(SERVICE, scope="signals_")

reply = fetch(SERVICE, "/v1/crossings")
if not problem(reply):
    crossings = views.frame(reply.data)
    if crossings.empty:
        no_data()
    else:
        zones = sorted(crossings["zone"].dropna().unique()) if "zone" in crossings else []
        zone = st.selectbox(t("zone"), [t("all"), *zones], key="crossings_zone", format_func=views.value_label(lang()))
        if zone != t("all"):
            crossings = crossings[crossings["zone"] == zone]
        st.subheader(t("map"))
        positioned = views.with_positions(crossings)
        positioned["colour"] = [views.COLOURS["critical"] if fast else views.COLOURS["ok"]
                                for fast in positioned.get("design_speed_too_fast", pd.Series(dtype=bool)).fillna(False)]
        map_chart([views.points_layer(positioned, colour="colour", radius_m=40),
                   views.labels_layer(positioned, "name")], positioned,
                  tooltip_html="{name}<br/>{zone} · {design_speed_mps} m/s · p15 {measured_p15_mps}",
                  key="crossings_map", legend=[(views.COLOURS["critical"], t("legend_too_fast")),
                                               (views.COLOURS["ok"], t("legend_design_ok"))])
        st.caption(t("crossings_map_note"))

        st.subheader(t("clearance_extensions"))
        ext = crossings[["name", "cycles_7d", "extended_cycles_7d", "extensions_7d", "mean_extension_s_7d",
                         "max_extension_s_7d", "fail_safe_cycles_7d"]].copy()
        long = ext.melt(id_vars="name", value_vars=["cycles_7d", "extended_cycles_7d"], var_name="kind",
                        value_name="cycles")
        long["kind"] = long["kind"].map({"cycles_7d": t("cycles_7d"), "extended_cycles_7d": t("extended_cycles_7d")})
        # extended cycles are a subset of the pedestrian cycles: side by side, never stacked on them
        st.altair_chart(views.bar_chart(long, "name", "cycles", color="kind", x_title=views.value_label(lang())("crossing"),
                                        y_title=t("count"),
                                        stack=False), width="stretch")

        st.subheader(t("design_speed_review"))
        review = crossings[["name", "zone", "length_m", "design_speed_mps", "measured_p15_mps", "measured_tracks",
                            "design_speed_too_fast", "detector", "reviewed_at"]]
        table(review.sort_values("design_speed_too_fast", ascending=False, na_position="last"))
    as_of(reply.fetched_at)
