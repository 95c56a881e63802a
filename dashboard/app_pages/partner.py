"""A partner company's workspace: its openings, completers who consented to share their profile, nominations and
the steps of each match (interview, offer, hired). A hire records the employment outcome in the academy, so the
placement figures follow what partners do. The service shows a partner only its own company's records."""

import pandas as pd
import streamlit as st

from dashboard import api
from dashboard.widgets import answered, fetch, no_data, problem, show_answer, table, token, words

SERVICE = "talent_academy"
w = words("dashboard_partner")  # services/common/i18n/dashboard_partner.json
NEXT = {"proposed": ["interview", "rejected"], "interview": ["offer", "rejected"], "offer": ["hired", "rejected"]}


def said(reply: api.Reply, done: str | None = None) -> None:
    answered(reply, done or w("done"), w("refused", d="{d}"), key="partner_flash")


st.header(w("title"))
show_answer(key="partner_flash")

st.subheader(w("placement"))
commitments = fetch(SERVICE, "/v1/commitments")
if not problem(commitments):
    df = pd.DataFrame(commitments.data or [])
    if df.empty:
        no_data()
    else:
        hired, seats = int(df["hired"].sum()), int(df["seats"].sum())
        st.metric(w("placement"), f"{hired / seats:.0%}" if seats else "–", f"{hired} / {seats}",
                  delta_arrow="off")
        table(df[["track_id", "year", "seats", "hired"]])

st.subheader(w("openings"))
openings_reply = fetch(SERVICE, "/v1/openings")
openings = []
if not problem(openings_reply):
    openings = [o for o in (openings_reply.data or []) if o["status"] == "open"]
    if openings:
        table(pd.DataFrame(openings)[["id", "title", "track_id", "seats", "seats_matched", "hired",
                                      "required_skills"]])
    else:
        no_data()

st.subheader(w("candidates"))
st.caption(w("consent_note"))
candidates_reply = fetch(SERVICE, "/v1/candidates")
if not problem(candidates_reply):
    candidates = candidates_reply.data or []
    if not candidates:
        no_data()
    else:
        table(pd.DataFrame(candidates)[["enrolment_id", "track_id", "course_id", "cohort", "ended_on", "skills",
                                        "assessment_score"]])
        if openings:
            with st.form("partner_nominate"):
                who = st.selectbox(w("who"), [f"{c['enrolment_id']} · {c['track_id']} · {', '.join(c['skills'][:4])}"
                                              for c in candidates[:200]])
                where = st.selectbox(w("opening"), [f"{o['id']} · {o['title']}" for o in openings])
                if st.form_submit_button(w("nominate")):
                    said(api.send(SERVICE, "POST", f"/v1/candidates/{who.split(' · ')[0]}/nominate", token=token(),
                                  json={"opening_id": int(where.split(" · ")[0])}))

st.subheader(w("matches"))
matches_reply = fetch(SERVICE, "/v1/matches")
if not problem(matches_reply):
    matches = matches_reply.data or []
    if not matches:
        no_data()
    else:
        table(pd.DataFrame(matches)[["id", "opening_id", "enrolment_id", "fit", "status", "updated_at"]])
        movable = [m for m in matches if m["status"] in NEXT]
        if movable:
            with st.form("partner_move"):
                which = st.selectbox(w("match"), [f"{m['id']} · {m['status']}" for m in movable])
                current = which.split(" · ")[1]
                step = st.selectbox(w("step"), ["interview", "offer", "hired", "rejected"],
                                    index=["interview", "offer", "hired", "rejected"].index(NEXT[current][0]))
                if st.form_submit_button(w("move")):
                    said(api.send(SERVICE, "POST", f"/v1/matches/{which.split(' · ')[0]}/status", token=token(),
                                  json={"status": step}))
