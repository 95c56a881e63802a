"""Kiosk readings over HTTP: classification and next step, rejections, idempotent retry, offline batch."""

import threading
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from services.health_hubs.readings.models import Reading
from tests.health_hubs.factories import bp_body, glucose_body


def count_readings(hub) -> int:
    with hub.db.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Reading)).scalar_one()


def test_bp_sitting_is_averaged_and_answered_in_plain_words(hub):
    rid = hub.register()["resident"]["id"]
    r = hub.post_bp(rid, (150, 95), (143, 90), (131, 86, {"flags": ["body_movement"]}))
    assert r.status_code == 201, r.text
    body = r.json()
    # the moved measurement is kept raw but not averaged: (150+143)/2 = 146.5 -> 147, (95+90)/2 -> 93
    assert (body["systolic"], body["diastolic"]) == (147, 93)
    assert body["category"] == "hypertension_grade1" and body["rule_version"] == "ksh2022.1"
    assert body["next_step"]["code"] == "see_nurse"
    assert "보건소" in body["next_step"]["ko"] and "nurse" in body["next_step"]["en"]
    stored = hub.client.get(f"/v1/residents/{rid}/readings", headers=hub.staff).json()
    assert len(stored) == 1 and len(stored[0]["raw"]) == 3 and stored[0]["flags"] == ["body_movement"]


def test_one_measurement_asks_to_remeasure_and_irregular_pulse_needs_three(hub):
    rid = hub.register()["resident"]["id"]
    assert hub.post_bp(rid, (118, 76)).json()["next_step"]["code"] == "remeasure"
    irregular = {"flags": ["irregular_pulse"]}
    body = hub.post_bp(rid, (118, 76, irregular), (116, 74, irregular)).json()
    assert body["protocol_complete"] is False and body["next_step"]["code"] == "remeasure"
    body = hub.post_bp(rid, (118, 76, irregular), (116, 74), (117, 75)).json()
    assert body["protocol_complete"] is True and body["next_step"]["code"] == "none"


def test_crisis_answers_call_119_and_alerts_staff(hub):
    rid = hub.register()["resident"]["id"]
    body = hub.post_bp(rid, (186, 110), (184, 112)).json()
    assert body["category"] == "crisis" and body["next_step"]["code"] == "call_119"
    assert "119" in body["next_step"]["ko"] and body["alert_id"]
    alerts = hub.client.get("/v1/alerts", headers=hub.staff).json()
    assert [a["id"] for a in alerts] == [body["alert_id"]] and alerts[0]["kind"] == "bp_crisis"


def test_implausible_and_control_solution_are_rejected_with_stable_codes(hub):
    rid = hub.register()["resident"]["id"]
    cases = [
        (bp_body(rid, (301, 90), (300, 90)), "implausible_systolic"),
        (bp_body(rid, (120, 39), (120, 40)), "implausible_diastolic"),
        (bp_body(rid, (100, 110), (100, 110)), "systolic_below_diastolic"),
        (glucose_body(rid, 29), "implausible_glucose"),
        (glucose_body(rid, 1001), "implausible_glucose"),
        (glucose_body(rid, 110, sample_type="control_solution"), "control_solution_sample"),
        (bp_body(rid, (120, 80, {"flags": ["cuff_loose"]})), "no_valid_measurement"),
    ]
    for body, code in cases:
        r = hub.client.post("/v1/readings", json=body, headers=hub.kiosk)
        assert r.status_code == 422 and r.json()["error"] == code, (code, r.text)
    assert count_readings(hub) == 0
    # edges that are plausible are accepted
    assert hub.post_glucose(rid, 30).status_code == 201
    assert hub.post_glucose(rid, 1000).status_code == 201
    assert hub.client.post("/v1/readings", json=bp_body(rid, (300, 180), (70, 40)),
                           headers=hub.kiosk).status_code == 201


def test_reading_needs_consent_and_a_kiosk(hub):
    rid = hub.register(consents={"health_data": False})["resident"]["id"]
    r = hub.post_bp(rid)
    assert r.status_code == 409 and r.json()["error"] == "consent_required"
    r = hub.client.post("/v1/readings", json=bp_body(rid), headers=hub.staff)
    assert r.status_code == 403
    r = hub.client.post("/v1/readings", json=bp_body(str(uuid.uuid4())), headers=hub.kiosk)
    assert r.status_code == 404 and r.json()["error"] == "resident_not_found"


def test_retry_with_the_same_client_id_records_once_and_answers_the_same(hub):
    rid = hub.register()["resident"]["id"]
    body = bp_body(rid, (186, 100), (182, 100))
    first = hub.client.post("/v1/readings", json=body, headers=hub.kiosk)
    again = hub.client.post("/v1/readings", json=body, headers=hub.kiosk)
    assert (first.status_code, again.status_code) == (201, 200)
    a, b = first.json(), again.json()
    assert b.pop("replayed") is True and a.pop("replayed") is False
    assert a == b
    assert count_readings(hub) == 1
    assert len(hub.client.get("/v1/alerts", headers=hub.staff).json()) == 1
    # another kiosk may not reuse the id
    _, key = hub.auth.device("health_kiosk", "C002")
    r = hub.client.post("/v1/readings", json=body, headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 409 and r.json()["error"] == "client_id_taken"


def test_concurrent_retries_record_once(hub):
    rid = hub.register()["resident"]["id"]
    body = bp_body(rid, (130, 85), (132, 84))
    codes = []

    def send():
        codes.append(hub.client.post("/v1/readings", json=body, headers=hub.kiosk).status_code)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes).count(201) >= 1 and set(codes) <= {200, 201}
    assert count_readings(hub) == 1


def test_offline_batch_newest_wins_and_deleted_is_never_revived(hub):
    rid = hub.register()["resident"]["id"]
    t0 = datetime.now(UTC) - timedelta(days=2)
    a, b, c = (str(uuid.uuid4()) for _ in range(3))
    items = [
        {**bp_body(rid, (150, 92), (148, 90), at=t0, client_id=a), "updated_at": t0.isoformat()},
        {**bp_body(rid, (120, 70), (122, 72), at=t0, client_id=b), "updated_at": t0.isoformat()},
        {**glucose_body(rid, 95, at=t0, client_id=c), "updated_at": t0.isoformat(), "deleted": True},
        {**glucose_body(rid, 95, sample_type="control_solution", at=t0)},
    ]
    r = hub.client.post("/v1/readings/batch", json={"items": items}, headers=hub.kiosk)
    assert r.status_code == 200, r.text
    assert [x["outcome"] for x in r.json()["results"]] == ["created", "created", "deleted", "rejected"]
    assert r.json()["results"][3]["error"] == "control_solution_sample"

    later, earlier = t0 + timedelta(hours=1), t0 - timedelta(hours=1)
    items = [
        {**bp_body(rid, (128, 78), (126, 78), at=t0, client_id=a), "updated_at": later.isoformat()},  # edit
        {**bp_body(rid, (190, 130), (190, 130), at=t0, client_id=b), "updated_at": earlier.isoformat()},  # stale
        {**glucose_body(rid, 50, at=t0, client_id=c), "updated_at": later.isoformat()},  # late edit of deleted
        {**bp_body(rid, (120, 70), (122, 72), at=t0, client_id=b), "updated_at": later.isoformat(),
         "deleted": True},
    ]
    r = hub.client.post("/v1/readings/batch", json={"items": items}, headers=hub.kiosk)
    # two versions of b in one batch: the newest (the deletion) wins, the older answers 'stale'
    assert [x["outcome"] for x in r.json()["results"]] == ["updated", "stale", "ignored_deleted", "deleted"]
    r = hub.client.post("/v1/readings/batch", json={"items": [items[3]]}, headers=hub.kiosk)
    assert r.json()["results"][0]["outcome"] == "ignored_deleted"
    r = hub.client.post("/v1/readings/batch", json={"items": [
        {**bp_body(rid, (121, 71), (121, 71), at=t0, client_id=b),
         "updated_at": (later + timedelta(days=1)).isoformat()}]}, headers=hub.kiosk)
    assert r.json()["results"][0]["outcome"] == "ignored_deleted"

    readings = {x["id"]: x for x in hub.client.get(f"/v1/residents/{rid}/readings?include_deleted=true",
                                                    headers=hub.staff).json()}
    assert (readings[a]["systolic"], readings[a]["category"]) == (127, "elevated")
    assert readings[b]["deleted_at"] is not None and readings[c]["deleted_at"] is not None
    assert readings[c]["glucose_mg_dl"] == 95
    assert len(hub.client.get("/v1/alerts", headers=hub.staff).json()) == 0  # the stale 190/130 never counted


def test_batch_limits(hub):
    r = hub.client.post("/v1/readings/batch", json={"items": []}, headers=hub.kiosk)
    assert r.status_code == 422
