"""`aicity simulate`'s orchestrator: rates per service, base URLs from the environment, and a short run that
drives the running suite through its real API (fresh plant telemetry arrives)."""

import httpx
import pytest

from services.suite import SERVICES
from tools import simulate


def test_rates_per_service_are_parsed_and_checked():
    assert simulate.parse_rates("transit=2, health-hubs=0.5,") == {"transit": 2.0, "health_hubs": 0.5}
    assert simulate.parse_rates(None) == {}
    for bad in ("metro=1", "transit", "transit=-1", "transit=fast"):
        with pytest.raises(ValueError):
            simulate.parse_rates(bad)


def test_base_urls_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("AICITY_INDUSTRY_URL", "http://plant.example:9000/")
    assert simulate.base_url("industry") == "http://plant.example:9000"
    monkeypatch.delenv("AICITY_TRANSIT_URL", raising=False)
    assert simulate.base_url("transit") == f"http://127.0.0.1:{SERVICES['transit'].port}"


def test_a_rate_of_zero_turns_a_services_simulator_off(dashboard_env, monkeypatch):
    monkeypatch.setenv("AICITY_SIMULATE_RATES", "industry=0")
    names = {type(s).__module__ for s in simulate._simulators(dashboard_env.credentials, 1.0, 7)}
    assert "services.industry.simulator" not in names
    names = {type(s).__module__ for s in simulate._simulators(dashboard_env.credentials, 1.0, 7, {"industry": 3})}
    assert "services.industry.simulator" in names


def test_a_short_run_drives_the_services_through_their_api(dashboard_env):
    official = httpx.post(dashboard_env.urls["industry"] + "/v1/auth/token",
                          data={"username": "official", "password": "official-demo-pass"}).json()["access_token"]
    headers = {"Authorization": f"Bearer {official}"}

    site = httpx.get(dashboard_env.urls["industry"] + "/v1/sites", headers=headers).json()[0]["id"]

    def latest_industry() -> str:
        rows = httpx.get(dashboard_env.urls["industry"] + f"/v1/sites/{site}/latest", headers=headers).json()
        return max((r["ts"] or "") for r in rows)

    before_ts = latest_industry()
    simulate.run_simulation(rate=1.0, duration_s=4, credentials=dashboard_env.credentials)
    assert latest_industry() > before_ts
