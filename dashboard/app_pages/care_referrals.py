"""Referral worklist: referrals to the district nurse / public health centre with their status and due date,
overdue ones first; the nurse accepts, records the visit and completes with a result."""

from datetime import UTC, datetime

import streamlit as st

from dashboard import care_client as cc
from dashboard import care_views as cv
from dashboard.widgets import words
from services.common.citytime import CITY_ZONE

lang = st.session_state.get("lang", "ko")
session = st.session_state.get("session")


tr = words("dashboard_care")


st.header(tr("referrals"))
now = datetime.now(UTC)
# the open referrals, soonest due first, with the names the caller may read (each read audited by the service)
status, body = cc.call("GET", "/v1/referrals/worklist", params={"limit": 300}, purpose="referral_review")
if status != 200:
    st.error(cc.error_text(status, body, lang))
    st.stop()
error = st.session_state.pop("care_error", None)
if error:
    st.error(error)
open_ones = [item["referral"] for item in body]
open_ones.sort(key=lambda r: (not cv.referral_overdue(r, now), r["due_at"]))
names = {item["referral"]["resident_id"]: item["resident_name"] for item in body if item["resident_name"]}
if not open_ones:
    st.success(tr("no_referrals"))
for r in open_ones:
    late = cv.referral_overdue(r, now)
    with st.container(border=True, key=f"ref_{r['id']}"):
        a, b = st.columns([3, 2])
        a.markdown(f"**{names.get(r['resident_id'], r['resident_id'][:8])}** · {r['centre_id']} · {r['reason']}")
        due = f"{tr('due')} {cv.day_clock(r['due_at'])}"
        b.markdown(f":red[**{tr('overdue')} · {due}**]" if late else due)
        st.markdown(f"{tr('status')}: {tr(r['status'])} · {cv.day_clock(r['requested_at'])}")
        if r["status"] == "requested":
            if st.button(tr("accept"), key=f"accept_{r['id']}", type="primary"):
                code, reply = cc.call("PATCH", f"/v1/referrals/{r['id']}", json={"status": "accepted"},
                                      purpose="referral")
                if code != 200:
                    st.session_state["care_error"] = cc.error_text(code, reply, lang)
                st.rerun()
        else:
            with st.form(f"complete_{r['id']}", border=False):
                c0, c1, c2 = st.columns([1, 1, 2])
                today = now.astimezone(CITY_ZONE).date()
                visited = c0.date_input(tr("visited_on"), value=today, max_value=today, key=f"refday_{r['id']}",
                                        format="YYYY-MM-DD")
                outcome = c1.selectbox(tr("outcome"), list(cv.REFERRAL_OUTCOMES), key=f"refout_{r['id']}",
                                       format_func=lambda c: cv.label(cv.REFERRAL_OUTCOMES, c, lang))
                note = c2.text_input(tr("note"), key=f"refnote_{r['id']}", max_chars=400)
                if st.form_submit_button(tr("complete")):
                    code, reply = cc.call("PATCH", f"/v1/referrals/{r['id']}", purpose="referral",
                                          json={"status": "completed", "outcome": outcome,
                                                "outcome_note": note or None,
                                                "visited_on": visited.isoformat() if visited else None})
                    if code != 200:
                        st.session_state["care_error"] = cc.error_text(code, reply, lang)
                    st.rerun()
