"""The industry page's safety section as a partner company reads it (AppTest against the seeded suite): the page is
in the partner's navigation, opens with the safety alarms, and shows only the partner's own alarms, permits and
indicators."""

import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import api, views
from services.industry.safety import demo as safety_demo

pytestmark = pytest.mark.slow
APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


def raise_co_alarm(suite) -> None:
    """The steelworks gateway reports CO over the site's limit in the confined space, as the detector would: an
    open alarm whatever earlier tests on the shared suite left (the simulator's shift clears the seeded ones)."""
    key = suite.credentials["devices"]["gateway-pohang-steelworks"]["key"]
    now = datetime.now(UTC).isoformat()
    r = httpx.post(suite.urls["industry"] + "/v1/telemetry", headers={"Authorization": f"Bearer {key}"}, timeout=30,
                   json={"batch_id": str(uuid.uuid4()),
                         "readings": [{"sensor": f"{safety_demo.CONFINED}.co", "ts": now, "value": 42.0}]})
    assert r.status_code < 300, r.text


def test_a_partner_reads_its_own_safety_section_on_the_industry_page(dashboard_env):
    raise_co_alarm(dashboard_env)
    session, status = api.sign_in("partner-steel", "partner-demo-pass")
    assert status == "ok" and session.role == "partner"
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["session"] = session
    at.session_state["lang"] = "ko"
    at.run()
    assert not at.exception and at.header[0].value == "협력 기업"  # still lands on its workspace
    at.switch_page("app_pages/industry.py").run()
    assert not at.exception, at.exception
    subheaders = [s.value for s in at.subheader]
    assert subheaders[0] == "안전 경보 (열린 것 먼저)" and "지금 열린 작업허가" in subheaders

    headers = {"Authorization": f"Bearer {session.token}"}
    base = dashboard_env.urls["industry"]
    mine = httpx.get(base + "/v1/safety/alarms", headers=headers, params={"active": True}, timeout=30).json()
    assert mine and all(a["site_id"] == "pohang-steelworks" for a in mine)
    alarms = at.dataframe[0].value
    assert len(alarms) == len(mine) and set(alarms[views.t("safety_space", "ko")]) == {a["space"] for a in mine}
    permits = next(t.value for t in at.table if views.t("safety_attendant", "ko") in t.value.columns)
    assert list(permits.index) == ["2고로 집진기 (밀폐공간)"]
    company = views.t("safety_company", "ko")
    indicators = next(df.value for df in at.dataframe if company in df.value.columns)
    own = httpx.get(base + "/v1/safety/indicators", headers=headers, params={"year": indicators_year(at)},
                    timeout=30).json()["companies"]
    assert [c["company_id"] for c in own] == ["steelworks"] and list(indicators[company]) == [own[0]["name"]]


def indicators_year(at: AppTest) -> int:
    return int(next(s.value for s in at.selectbox if s.key == "safety_year"))
