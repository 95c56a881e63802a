"""Academy staff's workspace: offerings with capacity and reserved seats, the applications queue, waitlists and
offers, completion and outcome recording (employment with its evidence), and the track reports the indicators
come from. Every learner list shown here is written to the academy's access log by the service."""

from datetime import date

import pandas as pd
import streamlit as st

from dashboard import api
from dashboard.widgets import answered, as_of, fetch, lang, no_data, problem, show_answer, table, token, words

SERVICE = "talent_academy"
w = words("dashboard_academy_staff")  # services/common/i18n/dashboard_academy_staff.json
SOURCES = ["employment_insurance", "survey", "employer_letter", "partner_hire"]


def said(reply: api.Reply, done: str | None = None) -> None:
    answered(reply, done or w("done"), w("refused", d="{d}"), key="staff_flash")


st.header(w("title"))
show_answer(key="staff_flash")

st.subheader(w("offerings"))
reply = fetch(SERVICE, "/v1/offerings")
offerings = []
if not problem(reply):
    offerings = reply.data or []
    if not offerings:
        no_data()
    else:
        cols = ["id", "code", "track_id", "cohort", "capacity", "seats_taken", "reserved_open", "seats_free",
                "waitlist_count", "opens_at", "closes_at", "starts_on", "ends_on", "prerequisite_mode"]
        table(pd.DataFrame(offerings)[cols])
    as_of(reply.fetched_at)

if offerings:
    labels = {f"{o['code']} ({o['starts_on']} – {o['ends_on']})": o for o in reversed(offerings)}
    picked = labels[st.selectbox(w("pick"), list(labels), key="staff_offering")]
    oid = picked["id"]

    st.subheader(w("queue"))
    queue = fetch(SERVICE, f"/v1/offerings/{oid}/enrolments")
    rows = []
    if not problem(queue):
        rows = queue.data or []
        if rows:
            cols = ["id", "name", "status", "position", "priority_class", "seat_kind", "offer_expires_at",
                    "content_locked", "completion_status", "consent_to_share", "applied_at"]
            table(pd.DataFrame(rows)[cols])
        else:
            no_data()

    st.subheader(w("waitlist_offers"))
    live = [r for r in rows if r["status"] in ("enrolled", "offered", "waitlisted")]
    if live:
        with st.form("staff_withdraw"):
            choice = st.selectbox(w("enrolment"), [f"{r['id']} · {r['name']} · {r['status']}" for r in live])
            if st.form_submit_button(w("withdraw")):
                said(api.send(SERVICE, "POST", f"/v1/enrolments/{choice.split(' · ')[0]}/withdraw", token=token()))

    st.subheader(w("completion"))
    ended = date.fromisoformat(picked["ends_on"]) < date.today()
    if st.button(w("evaluate"), disabled=not ended, key="staff_evaluate"):
        result = api.send(SERVICE, "POST", f"/v1/offerings/{oid}/completions", token=token())
        done = sum(r["completion_status"] == "completed" for r in result.data) if result.ok else 0
        said(result, w("evaluated", c=done, n=len(result.data) - done) if result.ok else None)
    starters = [r for r in rows if r.get("completion_status") or r["status"] == "enrolled"]
    if starters:
        with st.form("staff_outcome"):
            st.markdown(f"**{w('outcome')}**")
            choice = st.selectbox(w("enrolment"), [f"{r['id']} · {r['name']}" for r in starters], key="oc_who")
            c1, c2, c3 = st.columns(3)
            employed = c1.checkbox(w("employed"), value=True, key="oc_employed")
            in_field = c1.checkbox(w("in_field"), value=True, key="oc_field")
            employed_on = c2.date_input(w("employed_on"), value=date.today(), key="oc_employed_on")
            observed_on = c2.date_input(w("observed_on"), value=date.today(), key="oc_observed_on")
            company = c3.text_input(w("company"), key="oc_company")
            source = c3.selectbox(w("source"), SOURCES, key="oc_source")
            checkpoint = c3.selectbox(w("checkpoint"), [6, 3], key="oc_checkpoint")
            if st.form_submit_button(w("save")):
                body = {"checkpoint_months": checkpoint, "employed": employed, "in_field": employed and in_field,
                        "company_id": (company.strip() or None) if employed else None,
                        "observed_on": str(observed_on), "employed_on": str(employed_on) if employed else None,
                        "evidence_source": source}
                said(api.send(SERVICE, "PUT", f"/v1/enrolments/{choice.split(' · ')[0]}/outcomes", token=token(),
                              json=body))

st.subheader(w("placement"))
commitments = fetch(SERVICE, "/v1/commitments")
if not problem(commitments):
    df = pd.DataFrame(commitments.data or [])
    if df.empty:
        no_data()
    else:
        hired, seats = int(df["hired"].sum()), int(df["seats"].sum())
        st.metric(w("placement"), f"{hired} / {seats}", help="hires through matches / committed seats")
        table(df[["company_id", "track_id", "year", "seats", "hired"]])

st.subheader(w("reports"))
report = fetch(SERVICE, "/v1/indicators", params={"by": "track"})
if not problem(report):
    df = pd.DataFrame(report.data or [])
    if df.empty:
        no_data()
    else:
        table(df.drop(columns=["definitions"]))
        for key, d in (report.data[0].get("definitions") or {}).items():
            st.markdown(f"- **{key}**: {d['definition_ko'] if lang() == 'ko' else d['definition']} — _{d['source']}_")
    as_of(report.fetched_at)
