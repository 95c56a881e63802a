"""Follow-up calls (Simple's overdue list): uncontrolled and not re-measured, no visit in 3 months, no visit in
12 months; each row takes a call result; returned to care within 15 days of the first call."""

import streamlit as st

from dashboard import care_client as cc
from dashboard import care_views as cv
from dashboard.widgets import words

lang = st.session_state.get("lang", "ko")


tr = words("dashboard_care")


PAGE = 15  # rows shown per list before "show more"

st.header(tr("follow_ups"))
status, body = cc.call("GET", "/v1/follow-ups", params={"limit": 200}, purpose="follow_up_calls")
if status != 200:
    st.error(cc.error_text(status, body, lang))
    st.stop()
error = st.session_state.pop("care_error", None)
if error:
    st.error(error)
st.info(tr("returned", n=body["returned_to_care"], called=body["called"]))
if not body["items"]:
    st.success(tr("no_follow_ups"))
for kind in cv.LIST_KINDS:
    rows = [i for i in body["items"] if i["list_kind"] == kind]
    if not rows:
        continue
    st.subheader(f"{cv.label(cv.LIST_KINDS, kind, lang)} ({len(rows)})")
    # the most urgent first, a page at a time: every row is a form, and a district's list of forty drew slowly
    shown = st.session_state.get(f"fu_shown_{kind}", PAGE)
    for item in rows[:shown]:
        with st.container(border=True, key=f"fu_{item['resident_id']}"):
            a, b = st.columns([3, 2])
            last = (f" · {tr('call_result')}: {cv.label(cv.CALL_RESULTS, item['last_call_result'], lang)}"
                    if item["last_call_result"] else "")
            a.markdown(f"**{item['resident_name']}** · {cv.phone_text(item['phone'])} · {item['centre_id']}  \n"
                       f"{tr('last_visit')}: {cv.day_clock(item['last_visit_at'])} "
                       f"({item['days_since_visit']}일 전) · {cv.label(cv.CATEGORY, item['last_category'], lang)}"
                       f" · {tr('calls')} {item['calls']}{last}")
            with b.form(f"call_{item['resident_id']}", border=False):
                result = st.selectbox(tr("call_result"), list(cv.CALL_RESULTS), key=f"res_{item['resident_id']}",
                                      format_func=lambda c: cv.label(cv.CALL_RESULTS, c, lang))
                if st.form_submit_button(tr("record_call")):
                    code, reply = cc.call("POST", "/v1/follow-ups/calls", purpose="follow_up_calls", json={
                        "resident_id": item["resident_id"], "list_kind": kind, "result": result})
                    if code != 201:
                        st.session_state["care_error"] = cc.error_text(code, reply, lang)
                    st.rerun()
    if len(rows) > shown:
        if st.button(tr("show_more", n=min(PAGE, len(rows) - shown)), key=f"more_fu_{kind}"):
            st.session_state[f"fu_shown_{kind}"] = shown + PAGE
            st.rerun()
