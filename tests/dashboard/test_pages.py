"""Every page rendered by AppTest against the running suite with seeded data: key figures, no exception."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import api

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")

PAGES = ["overview.py", "boarding.py", "crossings.py", "health.py", "academy.py", "industry.py"]


@pytest.fixture(scope="module")
def official(dashboard_env):
    session, status = api.sign_in("official", "official-demo-pass")
    assert status == "ok", status
    return session


def open_page(session, page: str, lang: str = "ko") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["session"] = session
    at.session_state["lang"] = lang
    at.run()
    if page != PAGES[0]:
        at.switch_page(f"app_pages/{page}").run()
    return at


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [e.value for e in at.error]
    parts += [w.value for w in at.warning] + [i.value for i in at.info] + [h.value for h in at.header]
    parts += [m.label for m in at.metric] + [m.value for m in at.metric]
    return "\n".join(str(p) for p in parts)


def test_sign_in_form_signs_in_with_the_officials_account(dashboard_env):
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input(key="sign_in_username").input("official")
    at.text_input(key="sign_in_password").input("wrong-password")
    at.button[0].click().run()
    assert "session" not in at.session_state
    assert [e.value for e in at.error] == ["아이디 또는 비밀번호가 올바르지 않습니다."]
    at.text_input(key="sign_in_password").input("official-demo-pass")
    at.button[0].click().run()
    assert at.session_state["session"].role == "official"
    assert not at.exception
    assert at.title[0].value == "포항 AI 도시 대시보드"  # the overview, in Korean by default


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_exception(official, page):
    at = open_page(official, page)
    assert not at.exception, at.exception
    assert not [e.value for e in at.error], "a service the suite runs was reported down or failing"
