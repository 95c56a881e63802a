"""Talent academy: enrolment funnel, offerings with fill and waitlists, completion and employment outcomes."""

import streamlit as st

from dashboard import api, views
from dashboard.widgets import (
    as_of,
    fetch,
    filters_row,
    no_data,
    page_title,
    problem,
    service_overview,
    t,
    table,
)

SERVICE = "talent_academy"
page_title("academy")


@st.fragment(run_every=api.LIVE_TTL_S)
def live() -> None:
    st.caption(t("live", s=api.LIVE_TTL_S))
    service_overview(SERVICE)


live()

tracks_reply = fetch(SERVICE, "/v1/tracks", live=False)
tracks = [str(r.get("name") or r.get("id")) for r in views.items_of(tracks_reply.data)] if tracks_reply.ok else []
chosen = filters_row(("track", tracks), key="academy")
params = {**views.date_params(chosen["dates"]), "track": chosen["track"]}

st.subheader(t("enrolment_funnel"))
reply = fetch(SERVICE, ["/v1/indicators", "/v1/kpis"], params=params)
if not problem(reply):
    body = reply.data if isinstance(reply.data, dict) else {}
    totals = body.get("totals") or body
    stages = [(label, totals.get(key)) for key, label in (
        ("applications", "applications"), ("enrolled", "enrolled"), ("completed", "completed"),
        ("employed_6m", "employed 6 m"))]
    if all(v is None for _, v in stages):
        no_data()
    else:
        st.altair_chart(views.funnel_chart(stages), use_container_width=True)
    as_of(body.get("as_of") or reply.fetched_at)

st.subheader(t("offerings"))
reply = fetch(SERVICE, "/v1/offerings", params={"track": chosen["track"]})
if not problem(reply):
    df = views.frame(reply.data)
    if df.empty:
        no_data()
    else:
        table(df)
