"""Talent academy: the enrolment funnel (applications, seats, starters, waitlist), outcome rates per track
(completion, employment at 3 and 6 months, in-field, partner hires; small cells suppressed by the service),
and the offerings with their fill and waitlists."""

import pandas as pd
import streamlit as st

from dashboard import views
from dashboard.widgets import (
    as_of,
    fetch,
    lang,
    live_overview,
    no_data,
    page_title,
    prefetch,
    problem,
    t,
    table,
)

SERVICE = "talent_academy"
page_title("academy")
prefetch((SERVICE, "/v1/overview"), (SERVICE, "/v1/tracks", None, False))

live_overview(SERVICE)

tracks_reply = fetch(SERVICE, "/v1/tracks", live=False)
tracks = views.items_of(tracks_reply.data) if tracks_reply.ok else []
names = {tr["id"]: (tr.get("name_ko") or tr["name"]) if lang() == "ko" else tr["name"] for tr in tracks}
track = st.selectbox(t("track"), [t("all"), *names.values()], key="academy_track")
track_id = next((k for k, v in names.items() if v == track), None)
INDICATORS, OFFERINGS = {"by": "track", "track_id": track_id}, {"track_id": track_id}
prefetch((SERVICE, "/v1/indicators", INDICATORS), (SERVICE, "/v1/offerings", OFFERINGS))

reply = fetch(SERVICE, "/v1/indicators", params=INDICATORS)
if not problem(reply):
    df = views.frame(reply.data)
    if df.empty:
        no_data()
    else:
        df["track"] = df["track_id"].map(lambda k: names.get(k, k))
        left, right = st.columns(2)
        with left:
            st.subheader(t("enrolment_funnel"))
            stages = [(t(k), int(pd.to_numeric(df[k], errors="coerce").fillna(0).sum()))  # suppressed cells count 0
                      for k in ("applications", "capacity", "starters")]
            stages.append((t("waitlist_length"), int(df["waitlist_length"].sum())))
            st.altair_chart(views.funnel_chart(stages, value_title=t("count")), width="stretch")
        with right:
            st.subheader(t("outcomes"))
            rate_cols = ["completion_rate", "employment_rate_3m", "employment_rate_6m", "in_field_rate_180d",
                         "partner_hire_share"]
            long = df.melt(id_vars="track", value_vars=rate_cols, var_name="rate", value_name="value").dropna()
            if long.empty:
                no_data()  # every rate suppressed or not due yet: nothing is filled in
            else:
                long["rate"] = long["rate"].map(t)
                st.altair_chart(views.bar_chart(long, "track", "value", color="rate", x_title=t("track"),
                                                y_title="%").encode(xOffset="rate:N"), width="stretch")
        rows = df.copy()
        rows["suppressed"] = rows["suppressed"].map(lambda cols: list(cols or []))
        table(rows.drop(columns=["track_id", "definitions"], errors="ignore").set_index("track").reset_index())
        with st.expander(t("definitions")):  # each figure with its definition and source
            for key, d in (reply.data[0].get("definitions") or {}).items():
                st.markdown(f"**{t(key)}** — {d['definition_ko'] if lang() == 'ko' else d['definition']}  \n"
                            f"_{d['source']}_")
    as_of(reply.fetched_at)

st.subheader(t("offerings"))
reply = fetch(SERVICE, "/v1/offerings", params=OFFERINGS)
if not problem(reply):
    df = views.frame(reply.data)
    if track_id and not df.empty:
        df = df[df["track_id"] == track_id]
    if df.empty:
        no_data()
    else:
        cols = ["code", "track_id", "cohort", "capacity", "seats_taken", "seats_free", "waitlist_count", "starts_on",
                "ends_on"]
        table(pd.DataFrame(df[[c for c in cols if c in df.columns]]))
    as_of(reply.fetched_at)
