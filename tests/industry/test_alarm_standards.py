"""Alarm management as ISA-18.2 describes it, late data and non-finite input, through the API on the real
migrated database, each against a hand-worked case."""

import json
import random
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from services.industry.alarms.models import Alarm
from services.industry.jobs import rollup_job
from tests.industry.factories import iso, make_plant


@pytest.fixture
def industry(client_for, auth):
    client = client_for("industry")
    return client, make_plant(client, auth)


def raw_json(body) -> dict:
    """The body as JSON text with NaN / Infinity tokens and huge integers as a careless gateway would send them."""
    return {"content": json.dumps(body, allow_nan=True), "headers": {"Content-Type": "application/json"}}


def post(client, plant, readings):
    raw = raw_json({"batch_id": str(uuid.uuid4()), "readings": readings})
    r = client.post("/v1/telemetry", content=raw["content"], headers={**raw["headers"], **plant["gateway"]})
    assert r.status_code == 200, r.text
    return r.json()


def rule(client, plant, **body):
    body.setdefault("sensor_id", plant["sensors"]["temp"])
    r = client.post("/v1/alarm-rules", headers=plant["admin"], json=body)
    assert r.status_code == 201, r.text
    return r.json()


def alarms(client, plant, **params):
    r = client.get("/v1/alarms", headers=plant["admin"], params=params)
    assert r.status_code == 200, r.text
    return r.json()


def series(tag, t0, values, step_s=1.0):
    return [{"sensor": tag, "ts": iso(t0 + timedelta(seconds=i * step_s)), "value": v} for i, v in enumerate(values)]


# ---- late data ---------------------------------------------------------------------------------------------


def test_a_late_backlog_opens_and_closes_an_alarm_after_the_fact_once(industry):
    client, plant = industry
    rule(client, plant, kind="threshold", severity="critical", limit=100, deadband=0, on_delay_s=0)
    now = datetime.now(UTC).replace(microsecond=0)
    post(client, plant, series("temp", now - timedelta(minutes=2), [60, 61, 62]))  # newer, normal
    assert alarms(client, plant) == []
    # the backlog of 20 min ago arrives late: a minute at 150, then back to 60
    t0 = now - timedelta(minutes=20)
    backlog = series("temp", t0, [60] * 10 + [150] * 60 + [60] * 10)
    assert post(client, plant, backlog)["accepted"] == 80
    found = alarms(client, plant)
    assert len(found) == 1
    a = found[0]
    assert (a["severity"], a["late"], a["state"], a["isa_state"]) == ("critical", True, "rtn_unack",
                                                                       "rtn_unacknowledged")
    assert datetime.fromisoformat(a["opened_at"]) == t0 + timedelta(seconds=10)     # first reading at 150
    assert datetime.fromisoformat(a["cleared_at"]) == t0 + timedelta(seconds=70)    # first back at 60
    assert "late data" in a["message"]
    # the same backlog again (a gateway retry) and an overlapping one change nothing: exactly once
    assert post(client, plant, backlog)["accepted"] == 0
    assert post(client, plant, series("temp", t0 + timedelta(seconds=30, milliseconds=500), [150] * 5))[
        "accepted"] == 5
    assert len(alarms(client, plant)) == 1
    r = client.post(f"/v1/alarms/{a['id']}/ack", headers=plant["admin"])
    assert (r.json()["state"], r.json()["isa_state"]) == ("cleared", "normal")
    # the live rule was not rewound by the backlog: a real-time reading above the limit opens a live alarm
    post(client, plant, series("temp", now, [120]))
    live = alarms(client, plant, state="active")
    assert len(live) == 1 and live[0]["late"] is False


def test_a_late_backlog_is_rolled_up_exactly_once(industry):
    client, plant = industry
    engine, settings = client.app.state.engine, client.app.state.settings
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    post(client, plant, series("temp", hour + timedelta(minutes=30), [10.0] * 30))
    rollup_job(engine, settings=settings, now=datetime.now(UTC))
    post(client, plant, series("temp", hour, [40.0] * 20))  # late: the first 20 s of that hour
    rollup_job(engine, settings=settings, now=datetime.now(UTC))
    rollup_job(engine, settings=settings, now=datetime.now(UTC))  # nothing dirty: nothing changes
    got = client.get(f"/v1/sensors/{plant['sensors']['temp']}/series", headers=plant["admin"], params={
        "period": "hour", "start": iso(hour), "end": iso(hour + timedelta(hours=1))}).json()
    assert [(h["n"], h["total"], h["min"], h["max"]) for h in got] == [(50, 30 * 10.0 + 20 * 40.0, 10.0, 40.0)]


def test_a_reading_stamped_in_the_future_does_not_blind_the_rules(industry):
    client, plant = industry
    rule(client, plant, kind="threshold", severity="critical", limit=100, deadband=0, on_delay_s=0)
    now = datetime.now(UTC)
    # a gateway clock 280 s fast (inside the 300 s skew allowed): stored, but not stepped through the rules
    assert post(client, plant, series("temp", now + timedelta(seconds=280), [50]))["accepted"] == 1
    assert post(client, plant, series("temp", now - timedelta(seconds=5), [130]))["accepted"] == 1
    live = alarms(client, plant, state="active")
    assert len(live) == 1 and live[0]["value"] == 130
    post(client, plant, series("temp", now - timedelta(seconds=4), [60]))  # back to normal, in real time
    assert alarms(client, plant, state="active")[0]["isa_state"] == "rtn_unacknowledged"


def test_a_future_stamped_reading_is_stepped_once_its_time_has_come(industry):
    client, plant = industry
    rule(client, plant, kind="threshold", severity="critical", limit=100, deadband=0, on_delay_s=0)
    now = datetime.now(UTC)
    post(client, plant, series("temp", now - timedelta(seconds=30), [50]))
    # stamped 4 s ahead of the server when it arrives (a gateway clock a little fast), above the limit
    post(client, plant, series("temp", now + timedelta(seconds=4), [140]))
    assert alarms(client, plant) == []  # not yet: its time has not come
    time.sleep(max(0.0, (now + timedelta(seconds=4.1) - datetime.now(UTC)).total_seconds()))
    post(client, plant, series("temp", datetime.now(UTC), [60]))  # the next batch: the 140 is due, then 60
    (a,) = alarms(client, plant)
    assert a["value"] == 140 and a["isa_state"] == "rtn_unacknowledged" and a["late"] is False


# ---- ISA-18.2 ---------------------------------------------------------------------------------------------


def test_an_acknowledged_h_alarm_that_escalates_to_hh_is_unacknowledged_again(industry):
    client, plant = industry
    rule(client, plant, kind="threshold", severity="warning", limit=1300, deadband=5, on_delay_s=0)   # H
    rule(client, plant, kind="threshold", severity="critical", limit=1350, deadband=5, on_delay_s=0)  # HH
    t0 = datetime.now(UTC) - timedelta(minutes=5)
    post(client, plant, series("temp", t0, [1310]))
    (a,) = alarms(client, plant, state="active")
    r = client.post(f"/v1/alarms/{a['id']}/ack", headers=plant["admin"], json={"note": "watching"})
    assert r.json()["isa_state"] == "acknowledged"
    post(client, plant, series("temp", t0 + timedelta(seconds=1), [1360]))
    (a,) = alarms(client, plant, state="active")
    assert (a["severity"], a["state"], a["isa_state"], a["acked_by"]) == ("critical", "open", "unacknowledged", None)
    assert datetime.fromisoformat(a["escalated_at"]) == t0 + timedelta(seconds=1)
    # back down to H only: no re-alarm for a better severity
    client.post(f"/v1/alarms/{a['id']}/ack", headers=plant["admin"])
    post(client, plant, series("temp", t0 + timedelta(seconds=2), [1320]))
    (a,) = alarms(client, plant, state="active")
    assert a["isa_state"] == "acknowledged"


def test_a_clear_is_refused_while_the_condition_stands(industry):
    client, plant = industry
    rule(client, plant, kind="threshold", severity="warning", limit=1300, deadband=10, on_delay_s=0)
    t0 = datetime.now(UTC) - timedelta(minutes=5)
    post(client, plant, series("temp", t0, [1310]))
    (a,) = alarms(client, plant, state="active")
    r = client.post(f"/v1/alarms/{a['id']}/clear", headers=plant["admin"], json={"note": "looks fine"})
    assert (r.status_code, r.json()["error"]) == (409, "alarm_condition_active")
    post(client, plant, series("temp", t0 + timedelta(seconds=1), [1295]))  # inside the deadband: still stands
    r = client.post(f"/v1/alarms/{a['id']}/clear", headers=plant["admin"])
    assert r.status_code == 409
    post(client, plant, series("temp", t0 + timedelta(seconds=2), [1289]))  # back by more than the deadband
    (a,) = alarms(client, plant, state="active")
    assert a["isa_state"] == "rtn_unacknowledged"  # returned to normal, still to be acknowledged
    post(client, plant, series("temp", t0 + timedelta(seconds=3), [1305]))  # recurs: the same alarm, active again
    (again,) = alarms(client, plant, state="active")
    assert again["id"] == a["id"] and again["isa_state"] == "unacknowledged"
    post(client, plant, series("temp", t0 + timedelta(seconds=4), [1200]))
    r = client.post(f"/v1/alarms/{a['id']}/ack", headers=plant["admin"])
    assert (r.json()["state"], r.json()["isa_state"]) == ("cleared", "normal")
    assert alarms(client, plant, state="active") == []


def test_default_deadband_and_on_delay_stop_chattering(industry):
    client, plant = industry
    r = rule(client, plant, kind="threshold", severity="warning", limit=1300)  # temperature, range 0-1600
    assert (r["deadband"], r["on_delay_s"]) == (16.0, 60.0)  # 1 % of the range, 60 s (ISA-18.2 defaults)
    t0 = datetime.now(UTC) - timedelta(hours=1)
    chatter = [1305 if i % 2 else 1295 for i in range(400)]  # 400 readings across the limit, one a second
    post(client, plant, series("temp", t0, chatter))
    assert alarms(client, plant) == []  # never beyond the limit for 60 s
    t1 = t0 + timedelta(seconds=400)
    post(client, plant, series("temp", t1, [1310] * 61))  # 60 s held: one alarm
    assert len(alarms(client, plant, state="active")) == 1
    post(client, plant, series("temp", t1 + timedelta(seconds=61), chatter))  # 1295 is inside the 16 deadband
    assert len(alarms(client, plant)) == 1 and alarms(client, plant, state="active")[0]["state"] == "open"
    post(client, plant, series("temp", t1 + timedelta(seconds=461), [1283]))  # 1300 - 16 = 1284: back
    assert alarms(client, plant)[0]["isa_state"] == "rtn_unacknowledged"


def test_shelving_records_who_why_and_until_and_is_time_limited(industry):
    client, plant = industry
    rule(client, plant, kind="threshold", severity="warning", limit=1300, deadband=0, on_delay_s=0)
    post(client, plant, series("temp", datetime.now(UTC) - timedelta(seconds=30), [1310]))
    (a,) = alarms(client, plant)
    r = client.post(f"/v1/alarms/{a['id']}/shelve", headers=plant["admin"], json={"reason": "", "minutes": 30})
    assert r.status_code == 422
    r = client.post(f"/v1/alarms/{a['id']}/shelve", headers=plant["admin"], json={"reason": "x", "minutes": 721})
    assert r.status_code == 422  # more than 12 h
    before = datetime.now(UTC)
    r = client.post(f"/v1/alarms/{a['id']}/shelve", headers=plant["admin"],
                    json={"reason": "thermocouple being replaced", "minutes": 30})
    body = r.json()
    assert body["isa_state"] == "shelved" and body["shelved_reason"] == "thermocouple being replaced"
    assert body["shelved_by"] and before + timedelta(minutes=30) <= datetime.fromisoformat(
        body["shelved_until"]) <= datetime.now(UTC) + timedelta(minutes=30)
    assert alarms(client, plant, include_shelved="false") == []
    r = client.post(f"/v1/alarms/{a['id']}/unshelve", headers=plant["admin"])
    assert r.json()["isa_state"] == "unacknowledged"


def test_a_shelved_alarm_that_escalates_is_annunciated_again(industry):
    client, plant = industry
    rule(client, plant, kind="threshold", severity="warning", limit=1300, deadband=0, on_delay_s=0)
    rule(client, plant, kind="threshold", severity="critical", limit=1350, deadband=0, on_delay_s=0)
    t0 = datetime.now(UTC) - timedelta(seconds=30)
    post(client, plant, series("temp", t0, [1310]))
    (a,) = alarms(client, plant)
    client.post(f"/v1/alarms/{a['id']}/shelve", headers=plant["admin"], json={"reason": "known", "minutes": 60})
    post(client, plant, series("temp", t0 + timedelta(seconds=1), [1360]))  # HH was never shelved
    (a,) = alarms(client, plant, include_shelved="false")
    assert (a["severity"], a["isa_state"]) == ("critical", "unacknowledged")


def test_rule_modes_suppressed_by_design_and_out_of_service(industry):
    client, plant = industry
    r = rule(client, plant, kind="threshold", severity="warning", limit=1300, deadband=0, on_delay_s=0)
    t0 = datetime.now(UTC) - timedelta(minutes=5)
    post(client, plant, series("temp", t0, [1310]))
    (a,) = alarms(client, plant)
    bad = client.post(f"/v1/alarm-rules/{r['id']}/mode", headers=plant["admin"], json={"mode": "out_of_service"})
    assert bad.status_code == 422  # a reason is required
    m = client.post(f"/v1/alarm-rules/{r['id']}/mode", headers=plant["admin"],
                    json={"mode": "out_of_service", "reason": "sensor removed for calibration"}).json()
    assert m["mode"] == "out_of_service" and m["mode_by"]
    assert alarms(client, plant)[0]["isa_state"] == "out_of_service"
    for mode, reason in (("suppressed_by_design", "furnace banked: no blast"), ("out_of_service", "calibration")):
        client.post(f"/v1/alarms/{a['id']}/ack", headers=plant["admin"])
        client.post(f"/v1/alarm-rules/{r['id']}/mode", headers=plant["admin"], json={"mode": mode, "reason": reason})
        t0 += timedelta(seconds=10)
        post(client, plant, series("temp", t0, [1200, 1320, 1330]))
    assert len(alarms(client, plant)) == 1  # neither mode annunciated the new excursions


def test_paging_sorted_by_priority(industry):
    client, plant = industry
    t0 = datetime.now(UTC) - timedelta(minutes=5)
    for tag, severity, limit, value in (("temp", "info", 100, 200), ("pressure", "critical", 100, 200),
                                        ("hm", "warning", 100, 200)):
        rule(client, plant, sensor_id=plant["sensors"][tag], kind="threshold", severity=severity, limit=limit,
             deadband=0, on_delay_s=0)
        post(client, plant, series(tag, t0, [value]))
        t0 += timedelta(seconds=1)
    r = client.get("/v1/alarms", headers=plant["admin"], params={"limit": 2})
    assert [a["severity"] for a in r.json()] == ["critical", "warning"] and r.headers["X-Next-Offset"] == "2"
    r = client.get("/v1/alarms", headers=plant["admin"], params={"limit": 2, "offset": 2})
    assert [a["severity"] for a in r.json()] == ["info"] and "X-Next-Offset" not in r.headers
    by_time = client.get("/v1/alarms", headers=plant["admin"], params={"order": "time"}).json()
    assert [a["severity"] for a in by_time] == ["warning", "critical", "info"]  # newest first


def test_flood_counts_alarms_per_operator_per_10_minutes(industry):
    client, plant = industry
    start = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    row = {"sensor_id": plant["sensors"]["temp"], "site_id": plant["site_id"], "work_unit_id": plant["work_unit_id"],
           "alarm_type": "threshold", "severity": "warning", "state": "cleared", "open_slot": None, "message": "",
           "note": "", "late": False}
    opened = [start + timedelta(minutes=1, seconds=20 * i) for i in range(11)]   # 11 in 01:00-01:10: a flood
    opened += [start + timedelta(minutes=12, seconds=30 * i) for i in range(10)]  # 10 in 01:10-01:20: not
    opened += [start + timedelta(minutes=25)]                                     # 1 in 01:20-01:30
    with client.app.state.engine.begin() as conn:
        conn.execute(insert(Alarm.__table__), [{**row, "opened_at": t} for t in opened])
        conn.execute(insert(Alarm.__table__), [{**row, "opened_at": start + timedelta(minutes=21), "late": True}])
    r = client.get("/v1/alarms/flood", headers=plant["admin"], params={
        "site_id": plant["site_id"], "start": iso(start), "end": iso(start + timedelta(minutes=30))})
    body = r.json()
    assert [(i["alarms"], i["flood"]) for i in body["intervals"]] == [(11, True), (10, False), (1, False)]
    assert (body["flood_intervals"], body["max_in_10_min"]) == (1, 11)
    assert body["average_per_10_min"] == pytest.approx(22 / 3)


# ---- drift charts together ---------------------------------------------------------------------------------


def test_ewma_and_cusum_on_one_sensor_through_a_shift(industry):
    client, plant = industry
    for kind in ("ewma", "cusum"):
        rule(client, plant, sensor_id=plant["sensors"]["pressure"], kind=kind, target=250, sigma=2)
    rng = random.Random(7)
    t0 = datetime.now(UTC) - timedelta(hours=6)
    total = 0
    # 8 h of a shift at 1 reading / 10 s would be 2,880; a 1.5-sigma shift after 400 in-control readings
    values = [250 + rng.gauss(0, 2) for _ in range(400)] + [253 + rng.gauss(0, 2) for _ in range(400)]
    for i in range(0, len(values), 40):  # gateway batches of 40: one chart signals in a batch, the other not
        batch = series("pressure", t0 + timedelta(seconds=10 * i), values[i:i + 40], step_s=10)
        body = post(client, plant, batch + [{"sensor": "temp", "ts": iso(t0 + timedelta(seconds=10 * i)),
                                             "value": 1000}])
        assert (body["accepted"], body["rejected"]) == (41, 0)  # the neighbours are stored every time
        total += body["accepted"]
    assert total == 820
    drift = [a for a in alarms(client, plant) if a["alarm_type"] == "drift"]
    assert len(drift) == 1 and ("EWMA" in drift[0]["message"] or "CUSUM" in drift[0]["message"])
    rules = client.get("/v1/alarm-rules", headers=plant["admin"]).json()
    assert sorted(r["kind"] for r in rules) == ["cusum", "ewma"]


# ---- non-finite input ----------------------------------------------------------------------------------------


def test_non_finite_values_are_refused_per_item_and_the_neighbours_stored(industry):
    client, plant = industry
    now = datetime.now(UTC) - timedelta(seconds=10)
    items = [{"sensor": "temp", "ts": iso(now + timedelta(seconds=i)), "value": v}
             for i, v in enumerate([1000, float("nan"), 1001, float("inf"), 10 ** 400, float("-inf"), 1002])]
    body = post(client, plant, items)
    assert (body["accepted"], body["rejected"]) == (3, 4)
    assert [(e["index"], e["code"]) for e in body["errors"]] == [(1, "bad_value"), (3, "bad_value"),
                                                                  (4, "bad_value"), (5, "bad_value")]
    items = [{"sensor": "temp", "ts": 10 ** 400, "value": 1}, {"sensor": "temp", "ts": float("nan"), "value": 1},
             {"sensor": "temp", "ts": iso(now + timedelta(seconds=20)), "value": 1003}]
    body = post(client, plant, items)
    assert (body["accepted"], [e["code"] for e in body["errors"]]) == (1, ["bad_timestamp", "bad_timestamp"])


@pytest.mark.parametrize("bad", [
    {"limit": float("nan")}, {"limit": float("inf")}, {"limit": 10 ** 400}, {"deadband": float("inf")},
    {"on_delay_s": float("nan")}, {"kind": "ewma", "target": float("nan"), "sigma": 1},
    {"kind": "cusum", "target": 1, "sigma": float("inf")}, {"kind": "ewma", "target": 1, "sigma": 1,
                                                             "params": {"lambda": float("nan")}},
    {"kind": "cusum", "target": 1, "sigma": 1, "params": {"h": 10 ** 400}},
    {"kind": "ewma"}, {"kind": "cusum", "target": 250},  # a drift rule without target and sigma
])
def test_non_finite_or_missing_rule_parameters_are_refused(industry, bad):
    client, plant = industry
    body = {"sensor_id": plant["sensors"]["temp"], "kind": "threshold", "limit": 100, **bad}
    raw = raw_json(body)
    r = client.post("/v1/alarm-rules", content=raw["content"], headers={**raw["headers"], **plant["admin"]})
    assert (r.status_code, r.json()["error"]) == (422, "validation_error")
    assert client.get("/v1/alarm-rules", headers=plant["admin"]).json() == []


def test_air_grade_rounds_half_up_and_a_late_hour_replays_the_alert(industry, auth):
    client, plant = industry
    admin = plant["admin"]
    assert client.post("/v1/air/monitors", headers=admin, json={
        "id": "fence-1", "name": "Fence", "kind": "fence", "site_id": plant["site_id"], "lat": 36.0,
        "lon": 129.4}).status_code == 201
    h = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=6)

    def send(*rows):
        r = client.post("/v1/air/readings", headers=plant["gateway"], json={"readings": [
            {"monitor_id": "fence-1", "ts": iso(h + timedelta(hours=k)), "pm10": v, "pm25": p} for k, v, p in rows]})
        assert r.status_code in (200, 201), r.text
        return r.json()

    send((1, 160, 15.5), (3, 160, 15.5))  # hours 1 and 3 at 160 (hour 2 missing): watch
    (m,) = client.get("/v1/air/monitors", headers=admin).json()
    assert m["pm10_alert"] == "watch" and m["pm25_grade"] == "moderate"  # 15.5 -> 16, half up
    send((2, 20, 30.5))  # hour 2 arrives late at 20: the watch never held two hours
    (m,) = client.get("/v1/air/monitors", headers=admin).json()
    assert m["pm10_alert"] == "none"


# ---- MTBF / MTTR through the API -------------------------------------------------------------------------------


def kpi_record(plant, start, **kw):
    body = {"id": str(uuid.uuid4()), "work_unit_id": plant["work_unit_id"], "order_id": kw.pop("order_id", "REL"),
            "period_start": iso(start), "period_end": iso(start + timedelta(hours=8)), "pbt_s": 28_800,
            "apt_s": 25_200, "pru_s": 60, "pq": 380, "gq": 361, "sq": 12, "rq": 7, "fe": 2, "ttr_s": 1_800}
    body.update(kw)
    return body


def kpis_of(client, plant, order_id):
    report = client.get("/v1/kpi", headers=plant["admin"], params={"order_id": order_id}).json()
    return {k["key"]: k for k in report["kpis"]}


def test_mtbf_and_mttr_through_the_api(industry):
    client, plant = industry
    gw = plant["gateway"]
    day = datetime(2025, 3, 3, tzinfo=UTC)
    # FE = 2 over 420 min of APT: MTBF 3.5 h, MTTR 0.25 h
    assert client.post("/v1/production-records", json=kpi_record(plant, day), headers=gw).status_code == 201
    k = kpis_of(client, plant, "REL")
    assert (k["mtbf"]["value"], k["mttr"]["value"]) == (pytest.approx(3.5), pytest.approx(0.25))
    assert k["mtbf"]["inputs"] == {"TBF_sum_s": 25_200, "FE": 2, "APT_s": 25_200}
    # FE = 0: undefined, with the reason, not 7 h
    body = kpi_record(plant, day + timedelta(days=1), order_id="NOFAIL", fe=0, ttr_s=0)
    assert client.post("/v1/production-records", json=body, headers=gw).status_code == 201
    k = kpis_of(client, plant, "NOFAIL")
    assert k["mtbf"]["value"] is None and "FE = 0" in k["mtbf"]["note"] and k["mttr"]["value"] is None
    # recorded times between failures: two records, 3 + 1 failures, TBF 370 + 200 min: 570 / 4 = 142.5 min
    for i, (fe, tbf_min) in enumerate(((3, 370), (1, 200))):
        body = kpi_record(plant, day + timedelta(days=2 + i), order_id="TBF", fe=fe, ttr_s=600 * fe,
                          tbf_s=tbf_min * 60)
        assert client.post("/v1/production-records", json=body, headers=gw).status_code == 201
    k = kpis_of(client, plant, "TBF")
    assert k["mtbf"]["value"] == pytest.approx(142.5 / 60) and k["mttr"]["value"] == pytest.approx(600 / 3600)
    # non-finite elements are refused
    for bad in ({"apt_s": float("nan")}, {"pq": float("inf")}, {"tbf_s": 10 ** 400}):
        raw = raw_json(kpi_record(plant, day + timedelta(days=9), order_id="BAD", **bad))
        r = client.post("/v1/production-records", content=raw["content"], headers={**raw["headers"], **gw})
        assert (r.status_code, r.json()["error"]) == (422, "validation_error"), bad


def test_air_readings_refused_per_item_with_the_neighbours_stored(industry):
    client, plant = industry
    assert client.post("/v1/air/monitors", headers=plant["admin"], json={
        "id": "fence-2", "name": "Fence", "kind": "fence", "site_id": plant["site_id"], "lat": 36.0,
        "lon": 129.4}).status_code == 201
    h = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=8)
    rows = [{"monitor_id": "fence-2", "ts": iso(h + timedelta(hours=k)), "pm10": v, "pm25": 10}
            for k, v in enumerate([20, float("nan"), 21, float("inf"), 10 ** 400, 22])]
    raw = raw_json({"readings": rows})
    r = client.post("/v1/air/readings", content=raw["content"], headers={**raw["headers"], **plant["gateway"]})
    body = r.json()
    assert (r.status_code, body["stored"], body["rejected"]) == (200, 3, 3)
    assert [e["index"] for e in body["errors"]] == [1, 3, 4]


def test_air_readings_of_an_unknown_monitor_another_site_or_the_future_are_refused_per_item(industry):
    """Each item answers for itself (README "Sync protocol"): a gateway's air batch with a reading of a monitor that
    does not exist, one of another site's monitor and one dated hours ahead stores the good ones beside them."""
    client, plant = industry
    assert client.post("/v1/sites", headers=plant["admin"], json={
        "id": "elsewhere", "name": "Other works", "kind": "steelworks", "company_id": "other", "lat": 36.0,
        "lon": 129.38}).status_code == 201
    for mid, site in (("fence-3", plant["site_id"]), ("fence-x", "elsewhere")):
        r = client.post("/v1/air/monitors", headers=plant["admin"], json={
            "id": mid, "name": mid, "kind": "fence", "site_id": site, "lat": 36.0, "lon": 129.4})
        assert r.status_code == 201, r.text
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    rows = [{"monitor_id": "fence-3", "ts": iso(now - timedelta(hours=2)), "pm10": 20, "pm25": 10},
            {"monitor_id": "no-such", "ts": iso(now - timedelta(hours=2)), "pm10": 20, "pm25": 10},
            {"monitor_id": "fence-x", "ts": iso(now - timedelta(hours=2)), "pm10": 20, "pm25": 10},
            {"monitor_id": "fence-3", "ts": iso(now + timedelta(hours=5)), "pm10": 200, "pm25": 10},
            {"monitor_id": "fence-3", "ts": "2026-11-30T09:00:00", "pm10": 20, "pm25": 10},
            {"monitor_id": "fence-3", "ts": iso(now - timedelta(hours=1)), "pm10": 21, "pm25": 10}]
    r = client.post("/v1/air/readings", headers=plant["gateway"], json={"readings": rows})
    body = r.json()
    assert (r.status_code, body["stored"], body["rejected"]) == (200, 2, 4), body
    assert [(e["index"], e["code"]) for e in body["errors"]] == [
        (1, "monitor_not_found"), (2, "wrong_place"), (3, "timestamp_in_future"), (4, "bad_reading")]
    (m,) = [m for m in client.get("/v1/air/monitors", headers=plant["admin"]).json() if m["id"] == "fence-3"]
    assert (m["pm10"], m["latest_ts"][:13]) == (21, (now - timedelta(hours=1)).isoformat()[:13])
