"""The industry API end to end on the real migrated database: ingest, alarms, KPIs, rollups, air, programme."""

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from services.industry.alarms.models import Alarm
from services.industry.jobs import rollup_job
from services.industry.telemetry.models import Reading
from tests.industry.factories import iso, make_plant


@pytest.fixture
def industry(client_for, auth):
    client = client_for("industry")
    return client, make_plant(client, auth)


def post_batch(client, plant, readings, batch_id=None):
    body = {"batch_id": str(batch_id or uuid.uuid4()), "readings": readings}
    return client.post("/v1/telemetry", json=body, headers=plant["gateway"])


def count_readings(client) -> int:
    with client.app.state.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Reading)).scalar_one()


def test_batch_reports_bad_items_and_stores_the_rest(industry):
    client, plant = industry
    now = datetime.now(UTC)
    r = post_batch(client, plant, [
        {"sensor": "temp", "ts": iso(now), "value": 1200},
        {"sensor": "temp", "ts": iso(now), "value": "warm"},
        {"sensor": "ghost", "ts": iso(now), "value": 1},
        {"sensor": "pressure", "ts": iso(now - timedelta(seconds=1)), "value": 250.5},
    ])
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["accepted"], body["rejected"], body["replayed"]) == (2, 2, False)
    assert [(e["index"], e["code"]) for e in body["errors"]] == [(1, "bad_value"), (2, "unknown_sensor")]
    latest = {x["tag"]: x for x in client.get(f"/v1/sites/{plant['site_id']}/latest", headers=plant["admin"]).json()}
    assert latest["temp"]["value"] == 1200 and latest["pressure"]["value"] == 250.5 and latest["hm"]["value"] is None


def test_a_retried_batch_gets_the_same_answer_and_stores_nothing_new(industry):
    client, plant = industry
    now = datetime.now(UTC)
    readings = [{"sensor": "temp", "ts": iso(now - timedelta(seconds=i)), "value": 1200 + i} for i in range(50)]
    batch_id = uuid.uuid4()
    first = post_batch(client, plant, readings, batch_id).json()
    again = post_batch(client, plant, readings, batch_id).json()
    assert first["accepted"] == 50 and again["accepted"] == 50 and again["replayed"] is True
    assert count_readings(client) == 50
    # the same readings in a new batch (a gateway that lost our answer) are recognised one by one
    third = post_batch(client, plant, readings).json()
    assert (third["accepted"], third["duplicates"]) == (0, 50)
    assert count_readings(client) == 50


def test_a_batch_overlapping_stored_readings_stores_only_the_new_ones(industry):
    """Readings already stored through the ORM (one with microseconds, sent back with another UTC offset)
    are the same (sensor, instant) keys for the batch insert; only the new ones count, move latest and are
    rolled up. The batch is larger than one SQLite statement's worth of rows."""
    client, plant = industry
    sensor_id = plant["sensors"]["temp"]
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    stored = [base + timedelta(seconds=2), base + timedelta(seconds=5, microseconds=123_456)]
    with client.app.state.engine.begin() as conn:
        conn.execute(insert(Reading), [{"sensor_id": sensor_id, "ts": ts, "value": 1.0} for ts in stored])
    seoul = timezone(timedelta(hours=9))
    readings = [{"sensor": "temp", "ts": (base + timedelta(seconds=i)).astimezone(seoul).isoformat(),
                 "value": 1000.0 + i % 100} for i in range(9000)]
    readings[5]["ts"] = stored[1].astimezone(seoul).isoformat()
    body = post_batch(client, plant, readings).json()
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (8998, 2, 0)
    assert count_readings(client) == 9000
    with client.app.state.engine.connect() as conn:
        kept = conn.execute(select(Reading.value).where(Reading.sensor_id == sensor_id,
                                                        Reading.ts.in_(stored))).scalars().all()
    assert kept == [1.0, 1.0]  # the stored values were not overwritten
    latest = {x["tag"]: x for x in client.get(f"/v1/sites/{plant['site_id']}/latest", headers=plant["admin"]).json()}
    assert latest["temp"]["value"] == 1000.0 + 8999 % 100
    assert datetime.fromisoformat(latest["temp"]["ts"]) == base + timedelta(seconds=8999)
    rollup_job(client.app.state.engine, settings=client.app.state.settings, now=datetime.now(UTC))
    hours = client.get(f"/v1/sensors/{sensor_id}/series", headers=plant["admin"], params={
        "period": "hour", "start": iso(base - timedelta(hours=1)), "end": iso(base + timedelta(hours=4))}).json()
    assert sum(h["n"] for h in hours) == 9000 and len(hours) in (3, 4)


def test_backlog_after_an_outage_is_accepted_in_order_and_latest_does_not_rewind(industry):
    client, plant = industry
    now = datetime.now(UTC).replace(microsecond=0)
    post_batch(client, plant, [{"sensor": "temp", "ts": iso(now), "value": 1210}])
    backlog = [{"sensor": "temp", "ts": iso(now - timedelta(hours=3) + timedelta(minutes=i)), "value": 1100 + i}
               for i in range(120)]
    for i in range(0, 120, 40):
        assert post_batch(client, plant, backlog[i:i + 40]).json()["accepted"] == 40
    latest = {x["tag"]: x for x in client.get(f"/v1/sites/{plant['site_id']}/latest", headers=plant["admin"]).json()}
    assert latest["temp"]["value"] == 1210
    series = client.get(f"/v1/sensors/{plant['sensors']['temp']}/series", headers=plant["admin"],
                        params={"start": iso(now - timedelta(hours=4)), "end": iso(now + timedelta(seconds=1))}).json()
    assert [p["value"] for p in series] == [1100 + i for i in range(120)] + [1210]


def test_only_gateways_post_telemetry_and_only_for_their_site(industry, auth):
    client, plant = industry
    now = datetime.now(UTC)
    body = {"batch_id": str(uuid.uuid4()), "readings": [{"sensor": "temp", "ts": iso(now), "value": 1}]}
    r = client.post("/v1/telemetry", json=body, headers=auth.headers("official"))
    assert (r.status_code, r.json()["error"]) == (403, "wrong_role")
    other = auth.device_headers("gateway", "another-site")
    r = client.post("/v1/telemetry", json=body, headers=other)
    assert r.status_code == 200 and r.json()["errors"][0]["code"] == "unknown_sensor"
    r = client.post("/v1/telemetry", json={"batch_id": "not-a-uuid", "readings": []}, headers=plant["gateway"])
    assert (r.status_code, r.json()["error"]) == (422, "validation_error")
    # a batch id reused by another gateway is refused, not silently answered with someone else's result
    batch_id = uuid.uuid4()
    post_batch(client, plant, [], batch_id)
    r = client.post("/v1/telemetry", json={"batch_id": str(batch_id), "readings": []}, headers=other)
    assert (r.status_code, r.json()["error"]) == (409, "batch_id_reused")


def test_alarms_open_hold_escalate_ack_and_clear(industry, auth):
    client, plant = industry
    admin, temp = plant["admin"], plant["sensors"]["temp"]
    for severity, limit in (("warning", 1300), ("critical", 1350)):
        r = client.post("/v1/alarm-rules", headers=admin, json={"sensor_id": temp, "kind": "threshold",
                                                                 "severity": severity, "limit": limit, "deadband": 5,
                                                                 "on_delay_s": 0})
        assert r.status_code == 201, r.text
    t0 = datetime.now(UTC) - timedelta(minutes=10)

    def send(*values):
        nonlocal t0
        items = []
        for v in values:
            t0 += timedelta(seconds=1)
            items.append({"sensor": "temp", "ts": iso(t0), "value": v})
        assert post_batch(client, plant, items).json()["rejected"] == 0

    send(1200, 1310, 1320)
    alarms = client.get("/v1/alarms", headers=admin, params={"state": "active"}).json()
    assert len(alarms) == 1 and alarms[0]["severity"] == "warning" and alarms[0]["state"] == "open"
    send(1360)  # the critical rule fires too: the same alarm, escalated, not a second one
    alarms = client.get("/v1/alarms", headers=admin, params={"state": "active"}).json()
    assert len(alarms) == 1 and alarms[0]["severity"] == "critical"
    alarm_id = alarms[0]["id"]
    r = client.post(f"/v1/alarms/{alarm_id}/ack", headers=auth.headers("official"), json={"note": "on it"})
    assert r.status_code == 200 and r.json()["state"] == "acknowledged"
    send(1340, 1298)  # 1340: below critical but warning still holds; 1298: inside the deadband of 1300
    assert client.get("/v1/alarms", headers=admin, params={"state": "active"}).json()[0]["id"] == alarm_id
    send(1290)
    assert client.get("/v1/alarms", headers=admin, params={"state": "active"}).json() == []
    cleared = client.get("/v1/alarms", headers=admin, params={"state": "cleared"}).json()
    assert cleared[0]["cleared_by"] == "rule"
    r = client.post(f"/v1/alarms/{alarm_id}/ack", headers=admin)
    assert (r.status_code, r.json()["error"]) == (409, "alarm_cleared")
    send(1400)  # a new episode is a new alarm
    assert len(client.get("/v1/alarms", headers=admin).json()) == 2


def test_the_database_refuses_a_second_open_alarm_per_asset_and_type(industry):
    client, plant = industry
    row = {"sensor_id": plant["sensors"]["temp"], "site_id": plant["site_id"], "work_unit_id": plant["work_unit_id"],
           "alarm_type": "threshold", "severity": "warning", "state": "open", "open_slot": "open",
           "opened_at": datetime.now(UTC), "message": "", "note": ""}
    with client.app.state.engine.begin() as conn:
        conn.execute(insert(Alarm.__table__), row)
        conn.execute(insert(Alarm.__table__), {**row, "state": "cleared", "open_slot": None})
        conn.execute(insert(Alarm.__table__), {**row, "state": "cleared", "open_slot": None})
    with pytest.raises(IntegrityError), client.app.state.engine.begin() as conn:
        conn.execute(insert(Alarm.__table__), row)


def test_drift_alarm_from_telemetry_and_manual_clear(industry):
    client, plant = industry
    admin = plant["admin"]
    r = client.post("/v1/alarm-rules", headers=admin, json={"sensor_id": plant["sensors"]["pressure"],
                                                             "kind": "cusum", "target": 250, "sigma": 2})
    assert r.status_code == 201
    t0 = datetime.now(UTC) - timedelta(hours=1)
    import random

    rng = random.Random(3)
    steady = [{"sensor": "pressure", "ts": iso(t0 + timedelta(seconds=i)), "value": 250 + rng.gauss(0, 2)}
              for i in range(100)]
    post_batch(client, plant, steady)
    assert client.get("/v1/alarms", headers=admin).json() == []
    drift = [{"sensor": "pressure", "ts": iso(t0 + timedelta(seconds=100 + i)), "value": 253 + rng.gauss(0, 2)}
             for i in range(100)]
    post_batch(client, plant, drift)
    alarms = client.get("/v1/alarms", headers=admin).json()
    assert len(alarms) == 1 and alarms[0]["alarm_type"] == "drift" and "CUSUM" in alarms[0]["message"]
    r = client.post(f"/v1/alarms/{alarms[0]['id']}/clear", headers=admin, json={"note": "valve replaced"})
    assert r.status_code == 200 and r.json()["state"] == "cleared" and r.json()["note"] == "valve replaced"


def record(plant, **kw):
    start = kw.pop("start", datetime(2025, 3, 3, 0, tzinfo=UTC))
    body = {"id": str(uuid.uuid4()), "work_unit_id": plant["work_unit_id"], "order_id": "ORD-1",
            "period_start": iso(start), "period_end": iso(start + timedelta(hours=8)), "pbt_s": 28_800,
            "apt_s": 25_200, "pru_s": 60, "pq": 380, "gq": 361, "sq": 12, "rq": 7, "fe": 2, "ttr_s": 1_800}
    body.update(kw)
    return body


def test_kpis_through_the_api_with_inputs_and_idempotent_records(industry, auth):
    client, plant = industry
    gw = plant["gateway"]
    body = record(plant)
    assert client.post("/v1/production-records", json=body, headers=gw).status_code == 201
    assert client.post("/v1/production-records", json=body, headers=gw).status_code == 200
    r = client.post("/v1/production-records", json={**body, "pq": 381}, headers=gw)
    assert (r.status_code, r.json()["error"]) == (409, "record_id_reused")
    r = client.post("/v1/production-records", json=record(plant, apt_s=30_000), headers=gw)
    assert r.status_code == 422
    report = client.get("/v1/kpi", headers=plant["admin"], params={"work_unit_id": plant["work_unit_id"],
                                                                    "order_id": "ORD-1"}).json()
    kpis = {k["key"]: k for k in report["kpis"]}
    assert report["records"] == 1
    assert kpis["oee"]["value"] == pytest.approx(0.7520833, abs=1e-6)
    assert kpis["availability"]["inputs"] == {"APT_s": 25_200, "PBT_s": 28_800}
    assert kpis["mttr"]["value"] == pytest.approx(0.25)
    # a partner of another company sees nothing of this plant
    r = client.get("/v1/kpi", headers=auth.headers("partner", company_id="other"),
                   params={"work_unit_id": plant["work_unit_id"]})
    assert (r.status_code, r.json()["error"]) == (403, "wrong_place")


def test_zero_planned_time_through_the_api(industry):
    client, plant = industry
    body = record(plant, order_id="IDLE", pbt_s=0, apt_s=0, pq=0, gq=0, sq=0, rq=0, fe=0, ttr_s=0)
    assert client.post("/v1/production-records", json=body, headers=plant["gateway"]).status_code == 201
    kpis = {k["key"]: k for k in client.get("/v1/kpi", headers=plant["admin"],
                                            params={"order_id": "IDLE"}).json()["kpis"]}
    assert kpis["availability"]["value"] is None and "planned busy time is 0" in kpis["availability"]["note"]
    assert kpis["oee"]["value"] is None


def test_rollups_and_steel_indicators(industry):
    client, plant = industry
    app = client.app
    tz = app.state.settings.timezone
    from services.industry.timeutil import day_bounds, local_day

    day = local_day(datetime.now(UTC), tz) - timedelta(days=1)
    start, _ = day_bounds(day, tz)
    items = []
    for h in range(24):  # one amount per hour: 500 t hot metal, 249 t fuel, ...
        ts = iso(start + timedelta(hours=h, minutes=30))
        for tag, v in (("hm", 500), ("coke", 166_000), ("pci", 83_000), ("steel", 550), ("energy", 10_890),
                       ("co2", 1_127.5)):
            items.append({"sensor": tag, "ts": ts, "value": v})
        for s in range(3):
            items.append({"sensor": "temp", "ts": iso(start + timedelta(hours=h, seconds=s)), "value": 1000 + s})
    assert post_batch(client, plant, items).json()["accepted"] == len(items)
    summary = rollup_job(app.state.engine, settings=app.state.settings, now=datetime.now(UTC))
    assert summary["hours"] == 24 * 7 and summary["days"] == 1
    assert rollup_job(app.state.engine, settings=app.state.settings, now=datetime.now(UTC))["hours"] == 0
    steel = client.get("/v1/kpi/steel", headers=plant["admin"],
                       params={"site_id": plant["site_id"], "day": day.isoformat()}).json()
    furnace = {k["key"]: k["value"] for k in steel["work_units"][0]["kpis"]}
    assert furnace["fuel_rate_kg_thm"] == pytest.approx(498.0)
    assert furnace["productivity_t_day_m3"] == pytest.approx(12_000 / 4_000)
    site = {k["key"]: k for k in steel["site"]}
    assert site["energy_gj_per_t"]["value"] == pytest.approx(19.8)
    assert site["co2_t_per_t"]["value"] == pytest.approx(2.05) and site["co2_t_per_t"]["benchmark"]["value"] == 1.91
    temp = plant["sensors"]["temp"]
    minutes = client.get(f"/v1/sensors/{temp}/series", headers=plant["admin"],
                         params={"period": "minute", "start": iso(start), "end": iso(start + timedelta(days=1))}).json()
    assert len(minutes) == 24 and minutes[0]["n"] == 3 and minutes[0]["mean"] == pytest.approx(1001)
    days = client.get(f"/v1/sensors/{temp}/series", headers=plant["admin"],
                      params={"period": "day", "start": iso(start), "end": iso(start + timedelta(days=1))}).json()
    assert days[0]["n"] == 72 and days[0]["min"] == 1000 and days[0]["max"] == 1002
    # a late reading of that day dirties its hour again; the next run corrects the day
    post_batch(client, plant, [{"sensor": "hm", "ts": iso(start + timedelta(hours=5, minutes=45)), "value": 100}])
    assert rollup_job(app.state.engine, settings=app.state.settings, now=datetime.now(UTC))["hours"] == 1
    steel = client.get("/v1/kpi/steel", headers=plant["admin"],
                       params={"site_id": plant["site_id"], "day": day.isoformat()}).json()
    assert steel["work_units"][0]["kpis"][0]["inputs"]["hot_metal_t"] == pytest.approx(12_100)


def test_air_monitors_grades_alerts_and_who(industry, auth):
    client, plant = industry
    admin = plant["admin"]
    for mid, kind in (("fence-a", "fence"), ("town-a", "town")):
        r = client.post("/v1/air/monitors", headers=admin, json={"id": mid, "name": mid, "kind": kind,
                                                                 "site_id": plant["site_id"], "lat": 36.0, "lon": 129.4})
        assert r.status_code == 201
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    readings = [{"monitor_id": "fence-a", "ts": iso(hour - timedelta(hours=3 - i)), "pm10": v, "pm25": 20}
                for i, v in enumerate([120, 155, 160, 170])]
    readings.append({"monitor_id": "town-a", "ts": iso(hour), "pm10": 25, "pm25": 40})
    r = client.post("/v1/air/readings", headers=plant["gateway"], json={"readings": readings})
    assert r.status_code == 200 and r.json()["stored"] == 5
    again = client.post("/v1/air/readings", headers=plant["gateway"], json={"readings": readings}).json()
    assert (again["stored"], again["duplicates"]) == (0, 5)
    monitors = {m["id"]: m for m in client.get("/v1/air/monitors", headers=admin).json()}
    assert monitors["fence-a"]["grade"] == "very_bad" and monitors["fence-a"]["pm10_alert"] == "watch"
    assert monitors["town-a"]["pm10_grade"] == "good" and monitors["town-a"]["grade"] == "bad"
    assert monitors["town-a"]["pm10_alert"] == "none"
    who = client.get("/v1/air/monitors/fence-a/who", headers=admin).json()
    assert who["pm25"]["daily_guideline"] == 15 and who["pm10"]["annual_guideline"] == 15
    other = auth.device_headers("gateway", "elsewhere")
    r = client.post("/v1/air/readings", headers=other, json={"readings": readings[:1]})
    assert (r.status_code, r.json()["stored"], r.json()["errors"][0]["code"]) == (200, 0, "wrong_place")
    overview = client.get("/v1/overview", headers=auth.headers("official")).json()
    figures = {f["key"]: f for f in overview["figures"]}
    attention = {a["key"]: a["count"] for a in overview["attention"]}
    assert figures["pm_grade_worst"]["value"] == 4 and attention["air_watch"] == 1


def test_programme_progress_and_surveys_side_by_side(client_for, auth):
    client = client_for("industry")
    official = auth.headers("official")
    assert client.post("/v1/programme/companies", headers=official,
                       json={"id": "acme", "name": "Acme", "sector": "machining"}).status_code == 201
    r = client.post("/v1/programme/projects", headers=official, json={
        "id": "p1", "company_id": "acme", "title": "MES", "status": "built", "level_before": "none",
        "level_after": "intermediate_1", "funding_company_krw": 50_000_000, "funding_steelmaker_krw": 20_000_000,
        "funding_ministry_krw": 30_000_000, "productivity_before": 100, "productivity_after": 143,
        "defect_rate_before": 2.5, "defect_rate_after": 1.2, "unit_cost_before": 1000, "unit_cost_after": 730,
        "delivery_days_before": 10, "delivery_days_after": 7.3})
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["funding"]["steelmaker"] == pytest.approx(0.2) and p["levels_gained"] == 2
    assert p["improvements_pct"]["productivity"] == pytest.approx(43)
    assert p["improvements_pct"]["quality"] == pytest.approx(52)
    assert p["improvements_pct"]["cost"] == pytest.approx(-27)
    r = client.post("/v1/programme/projects", headers=official, json={
        "id": "p2", "company_id": "acme", "title": "x", "status": "built"})
    assert (r.status_code, r.json()["error"]) == (422, "level_after_required")
    for source, year, value in (("POSCO survey", 2019, 43), ("KBIZ", 2023, 17.5), ("KBIZ", 2023, 17.5)):
        assert client.post("/v1/programme/surveys", headers=official, json={
            "source": source, "year": year, "metric": "productivity", "change_pct": value}).status_code == 201
    table = client.get("/v1/programme/surveys", headers=official).json()
    assert table["columns"] == [{"year": 2019, "source": "POSCO survey"}, {"year": 2023, "source": "KBIZ"}]
    assert table["rows"][0] == {"metric": "productivity", "values": [43, 17.5]}
    progress = client.get("/v1/programme/progress", headers=official).json()
    assert progress["recorded"]["smes_built"] == 1 and progress["built_by_level"]["intermediate_1"] == 1
    r = client.post("/v1/programme/companies", headers=auth.headers("partner", company_id="x"),
                    json={"id": "b", "name": "B"})
    assert r.status_code == 403


def test_references_to_missing_rows_are_404_not_500(client_for, auth):
    client = client_for("industry")
    official, admin = auth.headers("official"), auth.headers("admin")
    r = client.post("/v1/programme/companies", headers=official, json={"id": "c", "name": "C", "site_id": "nowhere"})
    assert (r.status_code, r.json()["error"]) == (404, "site_not_found")
    r = client.post("/v1/programme/projects", headers=official, json={"id": "p", "company_id": "none", "title": "t"})
    assert (r.status_code, r.json()["error"]) == (404, "company_not_found")
    r = client.post("/v1/lines", headers=admin, json={"id": "l", "site_id": "nowhere", "name": "L"})
    assert (r.status_code, r.json()["error"]) == (404, "site_not_found")
    r = client.post("/v1/alarm-rules", headers=admin, json={"sensor_id": 999, "kind": "threshold"})
    assert (r.status_code, r.json()["error"]) == (404, "sensor_not_found")
