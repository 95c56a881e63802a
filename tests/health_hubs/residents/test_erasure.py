"""Erasure on request: after it no row of the health hubs database holds the resident's name, phone, birth date or
card token; the kiosk, the record and the FHIR export no longer find them; a late kiosk retry recreates nothing;
only the resident's own centre staff (and admins) may erase; a retry answers the same; consent withdrawal offers
the same path; the audit log keeps that it happened, without the person."""

import hashlib
import json
import threading
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import JSON, String, Text, cast, func, inspect, select, text
from sqlalchemy import MetaData as SAMetaData

from services.health_hubs.care.models import Alert, Referral
from services.health_hubs.readings.models import Reading
from services.health_hubs.residents.domain import to_jamo
from services.health_hubs.residents.models import Resident
from tests.health_hubs.factories import bp_body, glucose_body

NAME = ("홍", "세린")
PHONE = "010-7777-4321"
BIRTH = "1937-02-11"


def person(**over) -> dict:
    return {"family_name": NAME[0], "given_name": NAME[1], "birth_date": BIRTH, "phone": PHONE,
            "confirm_new": True, **over}


def needles(tokens: list[str], *extra: str) -> list[str]:
    """What identifies the person: name (as typed and as stored jamo), phone (both forms), birth date, tokens and
    the token hashes we store -- each also as JSON writes it (non-ASCII as \\uXXXX)."""
    words = [NAME[0] + NAME[1], NAME[1], to_jamo(NAME[0] + NAME[1]), PHONE, PHONE.replace("-", ""), BIRTH,
             *tokens, *(hashlib.sha256(t.encode()).hexdigest() for t in tokens), *extra]
    return sorted(set(words) | {json.dumps(w)[1:-1] for w in words})


def scan(engine, words: list[str]) -> list[tuple[str, str, str]]:
    """Every table the database holds (reflected, so a table the models forget is scanned too): each text, JSON
    and date column cast to text, searched for each word."""
    meta = SAMetaData()
    meta.reflect(engine)
    hits = []
    with engine.connect() as conn:
        for table in meta.tables.values():
            for col in table.columns:
                for word in words:
                    n = conn.execute(select(func.count()).select_from(table).where(
                        cast(col, Text).contains(word, autoescape=True))).scalar_one()
                    if n:
                        hits.append((table.name, col.name, word))
    return hits


def text_columns(engine) -> int:
    cols = 0
    for name in inspect(engine).get_table_names():
        cols += sum(isinstance(c["type"], (String, Text, JSON)) for c in inspect(engine).get_columns(name))
    return cols


def count(hub, model, resident_id) -> int:
    with hub.db.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model).where(
            model.resident_id == uuid.UUID(resident_id))).scalar_one()


def erase(hub, rid, headers=None, reason="resident_request"):
    return hub.client.post(f"/v1/residents/{rid}/erasure", json={"reason": reason}, headers=headers or hub.staff)


def test_erasure_leaves_no_row_with_the_persons_data_and_nothing_comes_back(hub):
    first = hub.register(**person())
    rid, token = first["resident"]["id"], first["token"]
    card2 = hub.client.post(f"/v1/residents/{rid}/card", headers=hub.staff).json()["token"]  # a lost card
    # a duplicate registration merged into the record, with a reason that names the person
    dup = hub.register(**person(given_name="세랸", phone="010-7777-1111"))
    r = hub.client.post(f"/v1/residents/{rid}/merge", headers=hub.staff,
                        json={"merged_id": dup["resident"]["id"], "reason": f"same person {NAME[0]}{NAME[1]}"})
    assert r.status_code == 201, r.text
    other = hub.register(family_name="박", given_name="철수", sex="male", phone="010-2222-3333",
                         birth_date="1950-07-01")["resident"]["id"]
    now = datetime.now(UTC)
    kept_bodies = []
    for k in range(3):  # three uncontrolled sittings: a referral; one is a crisis: an alert
        body = bp_body(rid, (185, 125) if k == 0 else (165, 95), at=now - timedelta(days=3 - k, hours=k))
        kept_bodies.append(body)
        assert hub.client.post("/v1/readings", json=body, headers=hub.kiosk).status_code == 201
    assert hub.post_glucose(rid, 60).status_code == 201
    assert hub.post_bp(other).status_code == 201
    hub.client.get(f"/v1/residents/{rid}/fhir", headers={**hub.staff, "X-Purpose": "transfer"})
    assert count(hub, Alert, rid) >= 1 and count(hub, Referral, rid) == 1 and count(hub, Reading, rid) == 4
    words = needles([token, card2, dup["token"]], "세랸", "01077771111")
    before = {(t, c) for t, c, _ in scan(hub.db.engine, words)}  # the scan does find the person before
    assert {("resident", "phone"), ("resident", "name_key"), ("resident_token", "token_hash"),
            ("resident_merge", "snapshot"), ("audit_event", "detail")} <= before, before

    r = erase(hub, rid)
    assert r.status_code == 201, r.text
    done = r.json()
    assert done["replayed"] is False and done["reason"] == "resident_request"
    assert sorted(done["erased_ids"]) == sorted([rid, dup["resident"]["id"]])
    assert done["removed"]["reading"] == 4 and done["removed"]["referral"] == 1 and done["removed"]["alert"] >= 1
    assert done["removed"]["resident"] == 2 and done["removed"]["resident_token"] == 3

    assert text_columns(hub.db.engine) > 30  # the scan covers the real schema, not an empty one
    assert scan(hub.db.engine, words) == []
    for model in (Reading, Alert, Referral):
        assert count(hub, model, rid) == 0
    with hub.db.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Resident)).scalar_one() == 1  # the other resident
    assert count(hub, Reading, other) == 1

    # the card, the record and the export are gone
    for t in (token, card2, dup["token"]):
        r = hub.client.post("/v1/kiosk/identify", json={"token": t}, headers=hub.kiosk)
        assert r.status_code == 404 and r.json()["error"] == "unknown_token"
    for path in (f"/v1/residents/{rid}/fhir", f"/v1/residents/{rid}", f"/v1/residents/{rid}/readings"):
        r = hub.client.get(path, headers=hub.staff)
        assert r.status_code == 404 and r.json()["error"] == "resident_erased", path
    # a kiosk retry of an old client_id, a new reading, or an offline backlog recreates nothing
    r = hub.client.post("/v1/readings", json=kept_bodies[0], headers=hub.kiosk)
    assert r.status_code == 410 and r.json()["error"] == "resident_erased"
    assert hub.post_bp(dup["resident"]["id"]).status_code == 410
    items = [{**kept_bodies[1], "updated_at": now.isoformat()}, glucose_body(rid, 99),
             {**bp_body(other), "client_id": str(uuid.uuid4())}]
    r = hub.client.post("/v1/readings/batch", json={"items": items}, headers=hub.kiosk)
    assert [(x["outcome"], x["error"]) for x in r.json()["results"]] == [
        ("rejected", "resident_erased"), ("rejected", "resident_erased"), ("created", None)]
    assert count(hub, Reading, rid) == 0 and count(hub, Alert, rid) == 0
    assert scan(hub.db.engine, words) == []

    # the audit log keeps who, when and why -- without the person
    trail = hub.client.get("/v1/audit", headers=hub.admin, params={"action": "erase"}).json()
    assert len(trail) == 1
    event = trail[0]
    assert event["actor_role"] == "centre_staff" and event["actor_place"] == "C001"
    assert event["purpose"] == "resident_request" and event["resident_id"] == rid and event["at"]
    assert event["detail"]["records"] == 2


def test_erasure_is_idempotent_and_concurrent_requests_erase_once(hub):
    rid = hub.register(**person())["resident"]["id"]
    assert hub.post_bp(rid).status_code == 201
    answers = []

    def send():
        answers.append(erase(hub, rid))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(a.status_code for a in answers)
    assert codes == [200] * 5 + [201], [a.text for a in answers]
    assert len({a.json()["erasure_id"] for a in answers}) == 1
    assert sum(a.json()["replayed"] is False for a in answers) == 1
    again = erase(hub, rid)
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["removed"] == answers[0].json()["removed"]
    erase_events = hub.client.get("/v1/audit", headers=hub.admin, params={"action": "erase"}).json()
    assert len(erase_events) == 1  # a retry records nothing new
    with hub.db.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM resident_erasure")).scalar_one() == 1


def test_only_the_residents_own_centre_staff_or_an_admin_may_erase(hub):
    rid = hub.register(**person())["resident"]["id"]
    other_staff = hub.auth.headers("centre_staff", centre_id="C002")
    for headers, code in ((other_staff, "wrong_place"), (hub.nurse, "wrong_role"), (hub.official, "aggregates_only"),
                          (hub.kiosk, "wrong_role")):
        r = erase(hub, rid, headers=headers)
        assert r.status_code == 403 and r.json()["error"] == code, r.text
    assert hub.client.get(f"/v1/residents/{rid}", headers=hub.staff).status_code == 200  # nothing erased
    assert erase(hub, uuid.uuid4()).status_code == 404
    r = hub.client.post(f"/v1/residents/{rid}/erasure", json={"reason": "because Hong asked"}, headers=hub.staff)
    assert r.status_code == 422  # a reason code, never free text
    # an admin may; afterwards another centre's staff still cannot read the erasure
    second = hub.register(**person(given_name="세윤"))["resident"]["id"]
    assert erase(hub, second, headers=hub.admin).status_code == 201
    assert erase(hub, second, headers=other_staff).status_code == 403
    # erasing tells no one new anything: another centre is refused as before, the own centre hears it was erased
    assert hub.client.get(f"/v1/residents/{second}", headers=other_staff).status_code == 403
    assert hub.client.get(f"/v1/residents/{second}/fhir", headers=hub.staff).json()["error"] == "resident_erased"
    assert erase(hub, second, headers=hub.staff).status_code == 200


def test_withdrawing_health_data_consent_offers_the_same_erasure(hub):
    first = hub.register(**person())
    rid = first["resident"]["id"]
    assert hub.post_bp(rid).status_code == 201
    r = hub.client.post(f"/v1/residents/{rid}/consents", headers=hub.staff,
                        json={"kind": "share_public_health", "granted": False, "erase": True})
    assert r.status_code == 422 and r.json()["error"] == "erase_needs_withdrawal"
    r = hub.client.post(f"/v1/residents/{rid}/consents", headers=hub.nurse,
                        json={"kind": "health_data", "granted": False, "erase": True})
    assert r.status_code == 403
    r = hub.client.post(f"/v1/residents/{rid}/consents", headers=hub.staff,
                        json={"kind": "health_data", "granted": False, "erase": True})
    assert r.status_code == 200, r.text
    assert r.json()["reason"] == "health_data_consent_withdrawn" and r.json()["removed"]["reading"] == 1
    assert scan(hub.db.engine, needles([first["token"]])) == []
    assert erase(hub, rid).json()["replayed"] is True
    # withdrawal without erase keeps the record (the consent history says when it was withdrawn)
    kept = hub.register(**person(given_name="세윤"))["resident"]["id"]
    r = hub.client.post(f"/v1/residents/{kept}/consents", headers=hub.staff,
                        json={"kind": "health_data", "granted": False})
    assert r.status_code == 200 and r.json()["consents"]["health_data"]["granted"] is False
