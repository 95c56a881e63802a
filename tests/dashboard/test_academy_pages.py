"""The academy staff's and the partner's workspaces, rendered by AppTest against the running suite: each role
lands on its own page, sees what the service answers it, and nothing raises."""

from pathlib import Path

import httpx
from streamlit.testing.v1 import AppTest

from dashboard import api

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


def landing(session, lang="ko") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["session"] = session
    at.session_state["lang"] = lang
    return at.run()


def test_academy_staff_land_on_their_workspace(dashboard_env):
    session, status = api.sign_in("academy", "academy-demo-pass")
    assert status == "ok" and session.role == "academy_staff"
    at = landing(session)
    assert not at.exception, at.exception
    assert at.header[0].value == "아카데미 운영"
    offerings = httpx.get(dashboard_env.urls["talent_academy"] + "/v1/offerings", timeout=30,
                          headers={"Authorization": f"Bearer {session.token}"}).json()
    assert len(at.dataframe[0].value) == len(offerings)  # every offering with its seats
    english = landing(session, "en")
    assert not english.exception and english.header[0].value == "Academy operations"


def test_a_partner_lands_on_its_company_workspace_and_sees_only_consenting_completers(dashboard_env):
    session, status = api.sign_in("partner-steel", "partner-demo-pass")
    assert status == "ok" and session.role == "partner"
    at = landing(session)
    assert not at.exception, at.exception
    assert at.header[0].value == "협력 기업"
    headers = {"Authorization": f"Bearer {session.token}"}
    candidates = httpx.get(dashboard_env.urls["talent_academy"] + "/v1/candidates", headers=headers,
                           timeout=30).json()
    assert candidates, "the seed has consenting completers"
    shown = next(df.value for df in at.dataframe if "assessment_score" in df.value.columns)
    assert sorted(shown["enrolment_id"]) == sorted(c["enrolment_id"] for c in candidates)
    openings = httpx.get(dashboard_env.urls["talent_academy"] + "/v1/openings", headers=headers, timeout=30).json()
    assert {o["company_id"] for o in openings} == {"steelworks"}
