"""The city officials' dashboard: entry point (sign-in, language, st.navigation over app_pages/)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run dashboard/app.py` puts only dashboard/ on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard import api, care_views, session_store, views  # noqa: E402

PAGES_DIR = Path(__file__).resolve().parent / "app_pages"
# (file, label key, icon, url path); the first is the default page after sign-in.
PAGES = [
    ("overview.py", "overview", ":material/dashboard:", "overview"),
    ("boarding.py", "boarding", ":material/directions_bus:", "boarding"),
    ("crossings.py", "crossings", ":material/directions_walk:", "crossings"),
    ("health.py", "health", ":material/monitor_heart:", "health"),
    ("academy.py", "academy", ":material/school:", "academy"),
    ("industry.py", "industry", ":material/factory:", "industry"),
]
# The staff and nurse workspace (labels from dashboard/care_views.py): these roles land on it, not on aggregates.
CARE_PAGES = [
    ("care_today.py", "today", ":material/notifications_active:", "today"),
    ("care_referrals.py", "referrals", ":material/assignment_ind:", "referrals"),
    ("care_follow_ups.py", "follow_ups", ":material/call:", "follow-ups"),
    ("care_resident.py", "record", ":material/person:", "resident"),
]
# People who are not officials see their own workspace (centre staff and nurses; academy staff; a partner company's
# own people).
ROLE_PAGES = {
    "centre_staff": CARE_PAGES,
    "nurse": CARE_PAGES,
    "academy_staff": [("academy_staff.py", "academy_staff", ":material/school:", "academy-staff"),
                      ("academy.py", "academy", ":material/monitoring:", "academy")],
    # a partner also reads its own plants: the industry page opens with its safety alarms and permits (issue 17)
    "partner": [("partner.py", "partner", ":material/handshake:", "partner"),
                ("industry.py", "industry", ":material/factory:", "industry")],
}

st.set_page_config(page_title="aicity", page_icon=":material/location_city:", layout="wide")
lang = st.session_state.setdefault("lang", "ko")


def sign_in_page() -> None:
    st.title(views.t("app_title", lang))
    with st.form("sign_in"):
        username = st.text_input(views.t("username", lang), key="sign_in_username")
        password = st.text_input(views.t("password", lang), type="password", key="sign_in_password")
        submitted = st.form_submit_button(views.t("sign_in", lang), type="primary")
    if submitted:
        session, status = api.sign_in(username.strip(), password)
        if session is None:
            st.error(views.t("sign_in_down" if status == "down" else "sign_in_failed", lang))
        else:
            st.session_state["session"] = session
            st.rerun()


with st.sidebar:
    choice = st.segmented_control(views.t("language", lang), ["한국어", "English"],
                                  default="한국어" if lang == "ko" else "English", key="lang_choice")
    if choice and ("ko" if choice == "한국어" else "en") != lang:
        st.session_state["lang"] = "ko" if choice == "한국어" else "en"
        st.rerun()

session = st.session_state.get("session")
if session is None and not st.session_state.get("clear_cookie"):
    session = session_store.restore()  # a reload or a direct link keeps the person signed in
    if session is not None:
        st.session_state["session"] = session
if session is None:
    with st.sidebar:
        session_store.clear_if_asked()
    page = st.navigation([st.Page(sign_in_page, title=views.t("sign_in", lang), icon=":material/login:",
                                  url_path="sign-in")])
else:
    role_pages = ROLE_PAGES.get(session.role)
    title = care_views.t if role_pages is CARE_PAGES else views.t
    pages = [st.Page(str(PAGES_DIR / file), title=title(key, lang), icon=icon, url_path=url, default=i == 0)
             for i, (file, key, icon, url) in enumerate(role_pages or PAGES)]
    page = st.navigation(pages)
    with st.sidebar:
        st.caption(views.t("signed_in_as", lang, user=session.username, role=session.role))
        session_store.keep(session)
        if st.button(views.t("sign_out", lang), key="sign_out"):
            session_store.forget()  # cached replies are keyed by token: nothing to clear
            st.rerun()
page.run()
