"""Today at my centre (centre staff) or in my district (nurse): open alerts, crisis first, with the reading, how
long ago, the countdown to escalation and who was told; acknowledge, record what was done, resolve. New crisis
alerts show within seconds with a banner and a sound. Residents measured today and re-measures still owed."""

from datetime import UTC, datetime

import streamlit as st

from dashboard import care_client as cc
from dashboard import care_views as cv
from dashboard.widgets import words

lang = st.session_state.get("lang", "ko")
session = st.session_state.get("session")
role = session.role if session else ""
REFRESH_S = 5  # a new crisis alert must show within 15 s


tr = words("dashboard_care")


st.header(tr("today" if role != "nurse" else "district_today"))


def alert_card(alert: dict, now: datetime) -> None:
    kind = cv.label(cv.KIND, alert["kind"], lang)
    crisis = alert["kind"] == "bp_crisis"
    with st.container(border=True, key=f"alert_{alert['id']}"):
        head, side = st.columns([3, 2])
        icon = ":material/emergency:" if crisis else ":material/warning:"
        head.markdown(f"**{icon} {kind} · {cv.reading_text(alert.get('reading'))}**  \n"
                      f"{alert['centre_id']} · {tr('measured_ago', m=cv.minutes_between(alert['created_at'], now))}"
                      f" ({cv.clock(alert['created_at'])})")
        line = cv.escalation_line(alert, now, lang)
        if alert["status"] == "open" and line:
            side.markdown(f":red[**{line}**]")
        elif alert.get("acknowledged_by"):
            side.markdown(tr("acked_by", who=alert["acknowledged_by"].split(":")[-1],
                             when=cv.clock(alert["acknowledged_at"])))
            if line:
                side.markdown(line)
        done = [f"{cv.clock(a['at'])} {cv.label(cv.ACTIONS, a['action'], lang)}" for a in alert.get("actions", [])]
        if done:
            st.markdown(" · ".join(done))
        told = cv.delivery_lines(alert, lang)
        if told:
            st.markdown(f"{tr('told')}: " + " / ".join(told))
        b1, b2, b3 = st.columns([1, 2, 2])
        if alert["status"] == "open" and b1.button(tr("ack"), key=f"ack_{alert['id']}", type="primary"):
            act(f"/v1/alerts/{alert['id']}/ack", None)
        with b2.form(f"act_{alert['id']}", border=False):
            action = st.selectbox(tr("action"), list(cv.ACTIONS), key=f"action_{alert['id']}",
                                  format_func=lambda c: cv.label(cv.ACTIONS, c, lang))
            if st.form_submit_button(tr("save")):
                act(f"/v1/alerts/{alert['id']}/actions", {"action": action})
        with b3.form(f"resolve_{alert['id']}", border=False):
            outcome = st.selectbox(tr("outcome"), list(cv.OUTCOMES), key=f"outcome_{alert['id']}",
                                   format_func=lambda c: cv.label(cv.OUTCOMES, c, lang))
            if st.form_submit_button(tr("resolve")):
                act(f"/v1/alerts/{alert['id']}/resolve", {"outcome": outcome})


def act(path: str, body: dict | None) -> None:
    status, reply = cc.call("POST", path, json=body, purpose="alert_response")
    if status >= 300 or status == 0:
        st.session_state["care_error"] = cc.error_text(status, reply, lang)
    st.rerun(scope="fragment")


def cue() -> bytes:
    """The cue sound, new bytes each time (Streamlit autoplays a media it has shown before only once)."""
    st.session_state["care_cue_n"] = st.session_state.get("care_cue_n", 0) + 1
    return cv.cue_wav(tag=st.session_state["care_cue_n"])


@st.fragment(run_every=REFRESH_S)
def alerts_now() -> None:
    now = datetime.now(UTC)
    status, body = cc.call("GET", "/v1/alerts", params={"limit": 200}, purpose="alert_review")
    if status != 200:
        st.error(cc.error_text(status, body, lang))
        return
    alerts = cv.sort_alerts([a for a in body if a["status"] != "resolved"])
    seen = st.session_state.get("care_seen_alerts")
    fresh = cv.new_crisis_ids(alerts, seen)
    st.session_state["care_seen_alerts"] = (seen or set()) | {a["id"] for a in alerts}
    if fresh:
        st.session_state["care_cue_until"] = now.timestamp() + 60
        st.session_state["care_cue_ids"] = fresh
    error = st.session_state.pop("care_error", None)
    if error:
        st.error(error)
    if st.session_state.get("care_cue_until", 0) > now.timestamp() and any(
            a["id"] in st.session_state.get("care_cue_ids", []) and a["status"] == "open" for a in alerts):
        st.markdown(f'<div role="alert" class="care-cue" data-testid="care-new-crisis" style="background:#b00020;'
                    f'color:#fff;padding:12px 16px;border-radius:8px;font-size:1.15rem;font-weight:700">'
                    f'{tr("new_crisis")}</div>', unsafe_allow_html=True)
        if fresh:
            st.audio(cue(), format="audio/wav", autoplay=True)
    st.subheader(f"{tr('open_alerts')} ({len(alerts)})")
    if not alerts:
        st.success(tr("no_open_alerts"))
    for alert in alerts:
        alert_card(alert, now)


alerts_now()
note, sound = st.columns([4, 1], vertical_alignment="center")
note.markdown(tr("sound_note"))
if sound.button(tr("sound_test"), key="care_sound_test", icon=":material/volume_up:"):
    # the click is the browser's user gesture: from now on the new-crisis cue may play by itself
    with sound:
        st.audio(cue(), format="audio/wav", autoplay=True)


@st.fragment(run_every=30)
def today_lists() -> None:
    status, body = cc.call("GET", "/v1/centre-today", purpose="centre_today")
    if status != 200:
        st.error(cc.error_text(status, body, lang))
        return
    left, right = st.columns(2)
    with left:
        st.subheader(f"{tr('awaiting_remeasure')} ({len(body['awaiting_remeasure'])})")
        if not body["awaiting_remeasure"]:
            st.markdown(tr("nobody_waiting"))
        for r in body["awaiting_remeasure"]:
            st.markdown(f"- **{r['resident_name']}** · {cv.label(cv.CATEGORY, r['category'], lang)} · "
                        f"{cv.reading_text(r)} · {tr('measured_ago', m=r['minutes_ago'])}")
    with right:
        st.subheader(f"{tr('measured_today')} ({len(body['measured'])})")
        if not body["measured"]:
            st.markdown(tr("nobody_today"))
        rows = [{tr("resident"): r["resident_name"], tr("time"): cv.clock(r["measured_at"]),
                 tr("status"): cv.label(cv.CATEGORY, r["category"], lang), tr("value"): cv.reading_text(r)}
                for r in body["measured"]]
        if rows:
            st.dataframe(rows, hide_index=True, width="stretch", height=min(400, 38 + 35 * len(rows)))


today_lists()
