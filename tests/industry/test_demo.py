"""The demo: seed loads once, the simulator drives the API with gateway keys, the overview has figures."""

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from services.industry import seed as seed_module
from services.industry.air.models import AirAlert, AirReading
from services.industry.alarms.models import Alarm
from services.industry.simulator import Simulator
from tests.industry.factories import seed_demo


def test_seed_then_simulate_then_overview(client_for, auth):
    client = client_for("industry")
    app = client.app
    credentials, summary = seed_demo(client, auth)
    assert summary["seeded"] is True and summary["rollup"]["days"] >= 14
    assert seed_module.seed(app.state.engine, settings=app.state.settings, credentials=credentials) == {"seeded": False}

    official = auth.headers("official")
    sites = client.get("/v1/sites", headers=official).json()
    works = next(s for s in sites if s["id"] == "pohang-steelworks")
    assert abs(works["lat"] - 36.01) < 0.05 and abs(works["lon"] - 129.38) < 0.05
    trend = client.get("/v1/kpi/oee-trend", headers=official, params={"days": 14}).json()
    assert len(trend) == 14 and all(0.3 < d["oee"] < 1.0 for d in trend[1:-1])
    yesterday = trend[-2]["day"]
    steel = client.get("/v1/kpi/steel", headers=official,
                       params={"site_id": "pohang-steelworks", "day": yesterday}).json()
    fuel = steel["work_units"][0]["kpis"][0]["value"]
    assert 450 < fuel < 550
    # a year of history: OEE from the shift records, and the steel figures from the day rollups written directly
    year = client.get("/v1/kpi/oee-trend", headers=official, params={"days": 366}).json()
    assert len(year) == 366 and all(0.3 < d["oee"] < 1.0 for d in year[1:-1]), year[:3]
    for day in (year[1]["day"], year[180]["day"]):
        old = client.get("/v1/kpi/steel", headers=official, params={"site_id": "pohang-steelworks", "day": day}).json()
        assert 450 < old["work_units"][0]["kpis"][0]["value"] < 550, old
    assert client.get("/v1/programme/progress", headers=official).json()["recorded"]["smes_built"] == 4
    monitors = client.get("/v1/air/monitors", headers=official).json()
    assert len(monitors) == 6 and all(m["grade"] for m in monitors)
    # a year of hourly air means: every hour of every monitor, the oldest a year back, the alert state stepped
    with app.state.engine.connect() as conn:
        per_monitor = dict(conn.execute(select(AirReading.monitor_id, func.count()).group_by(AirReading.monitor_id)).all())
        oldest, newest = conn.execute(select(func.min(AirReading.ts), func.max(AirReading.ts))).one()
        alerts = conn.execute(select(func.count()).select_from(AirAlert).where(AirAlert.last_ts.is_not(None))).scalar()
    assert set(per_monitor.values()) == {365 * 24} and len(per_monitor) == 6
    assert timedelta(days=364) < _utc(newest) - _utc(oldest) < timedelta(days=365)
    assert datetime.now(UTC) - _utc(newest) < timedelta(hours=1) and alerts == 12
    who = client.get("/v1/air/monitors/fence-north/who", headers=official).json()
    assert who["pm10"]["days"] >= 360 and who["pm25"]["days"] >= 360, who

    sim = Simulator(base_url="http://testserver", credentials=credentials, rng=random.Random(1), rate=1.0)
    sim.client = client  # the TestClient speaks HTTP to the app in-process
    sim.started -= 1200  # inside the demo's hot-blast dip (t % 1200 < 90 s): the critical rule must fire
    assert sim.step()["readings"] == 16
    with app.state.engine.connect() as conn:
        critical = conn.execute(select(func.count()).select_from(Alarm).where(Alarm.severity == "critical")).scalar()
    assert critical == 1

    overview = client.get("/v1/overview", headers=official).json()
    figures = {f["key"]: f for f in overview["figures"]}
    assert figures["oee_today"]["previous"] is not None and figures["pm_grade_worst"]["value"] in (1, 2, 3, 4)
    assert figures["fuel_rate_kg_thm"]["previous"] is not None
    attention = {a["key"]: a["count"] for a in overview["attention"]}
    assert attention["alarms_critical"] == 1
    assert client.get("/v1/overview", headers=auth.headers("partner", company_id="steelworks")).status_code == 403


def _utc(ts: datetime) -> datetime:
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)
