"""A resident's record for centre staff and nurses: consents (version, date, withdraw), blood pressure and glucose
over time with the category bands, alerts, referrals and calls on one timeline, and who opened the record.
Staff register residents, issue or replace cards and refer to the public health centre from here."""

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import care_client as cc
from dashboard import care_views as cv
from dashboard.widgets import words
from services.common.citytime import CITY_TZ

lang = st.session_state.get("lang", "ko")
session = st.session_state.get("session")
role = session.role if session else ""


tr = words("dashboard_care")


st.header(tr("record"))
flash = st.session_state.pop("care_flash", None)
if flash:
    st.success(flash)
error = st.session_state.pop("care_error", None)
if error:
    st.error(error)

if role == "centre_staff":
    with st.expander(tr("register")):
        with st.form("register_resident"):
            c1, c2, c3, c4 = st.columns(4)
            family = c1.text_input(tr("family_name"), max_chars=40)
            given = c2.text_input(tr("given_name"), max_chars=60)
            birth = c3.date_input(tr("birth_date"), value=dt.date(1950, 1, 1), min_value=dt.date(1910, 1, 1),
                                  max_value=dt.date.today())
            sex = c4.selectbox(tr("sex"), ["female", "male"],
                               format_func=lambda s: {"female": "여성", "male": "남성"}[s] if lang == "ko" else s)
            phone = st.text_input(tr("phone"), max_chars=20)
            share = st.checkbox(cv.label(cv.CONSENT_KINDS, "share_public_health", lang), value=True)
            reminders = st.checkbox(cv.label(cv.CONSENT_KINDS, "reminders", lang), value=False)
            if st.form_submit_button(tr("register"), type="primary"):
                _, me = cc.call("GET", "/v1/auth/me")
                code, body = cc.call("POST", "/v1/residents", purpose="registration", json={
                    "family_name": family.strip(), "given_name": given.strip(), "birth_date": birth.isoformat(),
                    "sex": sex, "phone": phone or None, "centre_id": (me or {}).get("centre_id"),
                    "consents": {"health_data": True, "share_public_health": share, "reminders": reminders}})
                if code == 201:
                    st.session_state["care_flash"] = tr("registered", token=body["token"])
                    st.session_state["care_resident"] = body["resident"]["id"]
                else:
                    st.session_state["care_error"] = cc.error_text(code, body, lang)
                st.rerun()

code, page = cc.call("GET", "/v1/residents", params={"limit": 500}, purpose="care")
if code != 200:
    st.error(cc.error_text(code, page, lang))
    st.stop()
people = {p["id"]: p for p in page["items"]}
ids = sorted(people, key=lambda i: (people[i]["family_name"] + people[i]["given_name"], people[i]["birth_date"]))
chosen = st.selectbox(tr("pick_resident"), ids, index=ids.index(st.session_state["care_resident"])
                      if st.session_state.get("care_resident") in ids else None,
                      format_func=lambda i: f"{people[i]['family_name']}{people[i]['given_name']} · "
                                            f"{people[i]['birth_date']} · {people[i]['centre_id']}",
                      placeholder=tr("pick_resident"))
if not chosen:
    st.stop()
st.session_state["care_resident"] = chosen
code, person = cc.call("GET", f"/v1/residents/{chosen}", purpose="care")
if code != 200:
    st.error(cc.error_text(code, person, lang))
    st.stop()
st.subheader(f"{person['family_name']}{person['given_name']} · {person['birth_date']} · {person['centre_id']}"
             f" · {cv.phone_text(person['phone'])}")

b2, b3 = st.columns([3, 2])
with b2.form("refer", border=False):
    reason = st.text_input(tr("reason"), max_chars=200, value="혈압이 계속 높아요")
    if st.form_submit_button(tr("refer")):
        code, body = cc.call("POST", "/v1/referrals", purpose="referral",
                             json={"resident_id": chosen, "reason": reason})
        st.session_state["care_flash" if code == 201 else "care_error"] = (
            tr("referred") if code == 201 else cc.error_text(code, body, lang))
        st.rerun()
if role == "centre_staff" and b3.button(tr("new_card")):
    code, body = cc.call("POST", f"/v1/residents/{chosen}/card", purpose="card")
    st.session_state["care_flash" if code == 201 else "care_error"] = (
        tr("card_once", token=body["token"]) if code == 201 else cc.error_text(code, body, lang))
    st.rerun()

st.subheader(tr("consents"))
for kind, (ko, en) in cv.CONSENT_KINDS.items():
    consent = person["consents"].get(kind)
    c1, c2, c3 = st.columns([3, 3, 2])
    c1.markdown(f"**{ko if lang == 'ko' else en}**")
    if consent:
        c2.markdown(f"{tr('granted') if consent['granted'] else tr('withdrawn')} · {tr('version')} "
                    f"{consent['version']} · {cv.day_clock(consent['recorded_at'])}")
    else:
        c2.markdown(tr("withdrawn"))
    granted = bool(consent and consent["granted"])
    if kind != "health_data" and c3.button(tr("withdraw") if granted else tr("grant"), key=f"consent_{kind}"):
        code, body = cc.call("POST", f"/v1/residents/{chosen}/consents", purpose="consent",
                             json={"kind": kind, "granted": not granted})
        if code != 200:
            st.session_state["care_error"] = cc.error_text(code, body, lang)
        st.rerun()

code, readings = cc.call("GET", f"/v1/residents/{chosen}/readings", purpose="care")
rows = [r for r in (readings if code == 200 else []) if not r.get("deleted_at")]


def chart(values: pd.DataFrame, bands, y_title: str, fields: list[str]) -> alt.Chart:
    band = alt.Chart(pd.DataFrame(cv.bands_frame(bands, lang))).mark_rect(opacity=0.8).encode(
        y=alt.Y("low:Q", title=y_title), y2="high:Q",
        color=alt.Color("band:N", scale=alt.Scale(domain=[b["band"] for b in cv.bands_frame(bands, lang)],
                                                  range=[b["colour"] for b in cv.bands_frame(bands, lang)]),
                        legend=alt.Legend(title=None, orient="right")))
    melted = values.melt(id_vars=["when"], value_vars=fields, var_name="series", value_name="value")
    line = alt.Chart(melted).mark_line(point=True).encode(
        x=alt.X("when:T", title=None), y="value:Q",
        strokeDash=alt.StrokeDash("series:N", legend=alt.Legend(title=None)),
        tooltip=[alt.Tooltip("when:T", format="%Y-%m-%d %H:%M"), "series:N", "value:Q"])
    return alt.layer(band, line).properties(height=260)


if not rows:
    st.info(tr("no_readings"))
else:
    bp = pd.DataFrame([{"when": pd.Timestamp(r["measured_at"]).tz_convert(CITY_TZ).tz_localize(None),
                        "수축기" if lang == "ko" else "systolic": r["systolic"],
                        "이완기" if lang == "ko" else "diastolic": r["diastolic"]} for r in rows if r["kind"] == "bp"])
    if not bp.empty:
        st.subheader(tr("bp_chart"))
        st.altair_chart(chart(bp, cv.BP_BANDS, "mmHg", [c for c in bp.columns if c != "when"]), width="stretch")
    glu = pd.DataFrame([{"when": pd.Timestamp(r["measured_at"]).tz_convert(CITY_TZ).tz_localize(None),
                         "혈당" if lang == "ko" else "glucose": r["glucose_mg_dl"]}
                        for r in rows if r["kind"] == "glucose"])
    if not glu.empty:
        st.subheader(tr("glucose_chart"))
        st.altair_chart(chart(glu, cv.GLUCOSE_BANDS, "mg/dL", [c for c in glu.columns if c != "when"]),
                        width="stretch")

st.subheader(tr("timeline"))
code, events = cc.call("GET", f"/v1/residents/{chosen}/timeline", purpose="care")
if code == 200 and events:
    names = {"alert": cv.KIND, "referral": {k: (tr(k), tr(k)) for k in ("requested", "accepted", "completed")},
             "call": cv.CALL_RESULTS}
    st.dataframe([{tr("date"): cv.day_clock(e["at"]), tr("what"): cv.label(names[e["type"]], e["code"], lang),
                   tr("status"): cv.label(cv.STATUS, e["status"], lang), tr("note"): ", ".join(
                       cv.label(cv.ACTIONS, a, lang) for a in e["extra"]) or (e["detail"] or ""),
                   tr("who"): (e["by"] or "").split(":")[-1]} for e in events], hide_index=True, width="stretch")
else:
    st.markdown(tr("no_referrals"))

st.subheader(tr("access_log"))
code, log = cc.call("GET", f"/v1/residents/{chosen}/access-log", params={"limit": 50}, purpose="care")
if code == 200:
    st.dataframe([{tr("date"): cv.day_clock(e["at"]), tr("who"): f"{cv.label(cv.ROLES, e['actor_role'], lang)} ({e['actor_place'] or '-'})",
                   tr("what"): f"{e['action']} · {e['entity']}", tr("why"): e["purpose"]} for e in log],
                 hide_index=True, width="stretch")
