"""Community centres' health: the 641 centres on a map coloured by BP control, the control rate over months,
and the month's indicators by district or centre, small cells suppressed exactly as the service returns them."""


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

SERVICE = "health_hubs"
page_title("health")
prefetch((SERVICE, "/v1/overview"), (SERVICE, "/v1/centres", None, False))

live_overview(SERVICE)
st.caption(t("suppressed_note"))

centres_reply = fetch(SERVICE, "/v1/centres", live=False)
districts = sorted({c["district"] for c in views.items_of(centres_reply.data)}) if centres_reply.ok else []
months = views.recent_months(12)
left, right = st.columns(2)
month = left.selectbox(t("month"), months, key="health_month")
district = right.selectbox(t("district"), [t("all"), *districts], key="health_district")
district = None if district == t("all") else district

series_params = {"level": "district", "id": district} if district else {"level": "city"}
series_query = {**series_params, "to_month": month, "months": 12}
map_query = {"level": "centre", "month": month}
level_params = {"level": "centre", "month": month} if district else {"level": "district", "month": month}
prefetch((SERVICE, "/v1/indicators/series", series_query), (SERVICE, "/v1/indicators", map_query),
         *([(SERVICE, "/v1/indicators", level_params)] if level_params != map_query else []))

st.subheader(t("bp_control"))
reply = fetch(SERVICE, "/v1/indicators/series", params=series_query)
if not problem(reply):
    df = views.gap_without_readings(views.flatten_cells(reply.data.get("points") or []))
    if not df.empty and "month" in df:
        df = df.sort_values("month").reset_index(drop=True)
    if df.empty or "controlled_rate" not in df:
        no_data()
    else:
        hidden = df["controlled_rate_suppressed"].astype(bool)
        empty = int((~hidden & df["controlled_rate"].isna()).sum())  # no reading that month: a gap, not 0 %
        if df["controlled_rate"].notna().sum() == 0:
            no_data()
        else:
            axis = sorted(reply.data.get("months") or df["month"].dropna().unique().tolist())
            st.altair_chart(views.month_gaps_chart(df, "month", "controlled_rate", axis, x_title=t("month"),
                                                   y_title=t("controlled_rate")), width="stretch")
        if int(hidden.sum()):
            st.caption(t("months_suppressed", n=int(hidden.sum())))
        if empty:
            st.caption(t("months_without_readings", n=empty))
    as_of(reply.data.get("as_of"))

st.subheader(t("map"))
reply = fetch(SERVICE, "/v1/indicators", params=map_query)
if not problem(reply) and centres_reply.ok:
    cells = views.gap_without_readings(views.flatten_cells(reply.data.get("cells") or []))
    centres = views.with_positions(views.frame(centres_reply.data))
    if district:
        centres = centres[centres["district"] == district]
    if not cells.empty:
        keep = ["id", "controlled_rate", "controlled_rate_suppressed", "denominator", "denominator_suppressed"]
        centres = centres.merge(cells[keep], on="id", how="left")
        centres["colour"] = views.rate_colours(centres["controlled_rate"], centres["controlled_rate_suppressed"])
        centres["rate_text"] = views.show_suppressed(centres[["controlled_rate", "controlled_rate_suppressed"]],
                                                     lang())["controlled_rate"].astype(str)
    else:
        centres["colour"] = [views.COLOURS["muted"]] * len(centres)
        centres["rate_text"] = ""
    title = "name_ko" if lang() == "ko" else "name"
    centres = centres[["id", title, "lon", "lat", "colour", "rate_text"]]  # only what the map draws: less to send
    map_chart([views.points_layer(centres, colour="colour", radius_m=90)], centres,
              tooltip_html=f"{{id}} {{{title}}}<br/>{t('controlled_rate')}: {{rate_text}}", key="health_map",
              legend=[(views.rate_colours([0], [False])[0], t("legend_rate_low")),
                      (views.rate_colours([70], [False])[0], t("legend_rate_high")),
                      (views.COLOURS["muted"], t("legend_hidden"))])
    st.caption(t("health_map_note"))
    as_of(reply.data.get("as_of"))

st.subheader(t("indicators"))
reply = fetch(SERVICE, "/v1/indicators", params=level_params)
if not problem(reply):
    df = views.gap_without_readings(views.flatten_cells(reply.data.get("cells") or []))
    if district and not df.empty:
        df = df[df["district"] == district]
    if df.empty:
        no_data()
    else:
        cols = ["id", "name", "district", "registered", "denominator", "controlled", "uncontrolled", "missed_visit",
                "visited_no_bp", "controlled_rate", "glucose_measured", "glucose_band3_rate"]
        present = [c for c in cols if c in df.columns]
        table(df[present + [f"{c}_suppressed" for c in present if f"{c}_suppressed" in df.columns]])
    as_of(reply.data.get("as_of"))
