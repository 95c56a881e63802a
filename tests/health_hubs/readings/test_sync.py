"""The kiosk sync protocol (README "Sync protocol") end to end, on SQLite and PostgreSQL: per-item validation, the
newest device time wins (also under concurrent uploads of one id), what an edit may change, device clocks and the
quarantine, readings measured at another centre."""

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlmodel import Session

from services.common.auth import Principal
from services.health_hubs.access import Actor
from services.health_hubs.care.models import Alert
from services.health_hubs.indicators.service import centre_counts
from services.health_hubs.readings import service
from services.health_hubs.readings.models import Reading, ReadingQuarantine
from services.health_hubs.readings.rules import rule_set
from services.health_hubs.readings.schemas import BatchItem
from services.health_hubs.settings import HealthHubsSettings
from tests.health_hubs.factories import bp_body, glucose_body


def batch(hub, items, headers=None):
    r = hub.client.post("/v1/readings/batch", json={"items": items}, headers=headers or hub.kiosk)
    assert r.status_code == 200, r.text
    return r.json()["results"]


def stored(hub, client_id) -> Reading | None:
    with Session(hub.db.engine) as s:
        return s.get(Reading, uuid.UUID(str(client_id)))


def edit(body, at, **over):
    return {**body, "updated_at": at.isoformat(), **over}


# ---- per-item validation ------------------------------------------------------------------------------------

def test_a_bad_item_is_rejected_by_its_index_and_the_rest_are_stored(hub):
    rid = hub.register()["resident"]["id"]
    t0 = datetime.now(UTC) - timedelta(hours=2)
    good1, good2 = bp_body(rid, at=t0), glucose_body(rid, 101, at=t0)
    naive = {**bp_body(rid), "measured_at": "2026-11-30T09:00:00"}
    huge = bp_body(rid, (1200, 80), (120, 80))
    no_id = {k: v for k, v in bp_body(rid).items() if k != "client_id"}
    extra = {**bp_body(rid), "colour": "red"}
    results = batch(hub, [good1, naive, huge, "not an object", no_id, good2, extra])
    assert [(x["index"], x["outcome"], x["error"]) for x in results] == [
        (0, "created", None), (1, "rejected", "naive_datetime"), (2, "rejected", "implausible_systolic"),
        (3, "rejected", "invalid_item"), (4, "rejected", "missing_field"), (5, "created", None),
        (6, "rejected", "unknown_field")]
    assert results[1]["client_id"] == naive["client_id"] and "measured_at" in results[1]["detail"]
    assert results[2]["detail"].startswith("bp.0.systolic")
    assert stored(hub, good1["client_id"]) and stored(hub, good2["client_id"])
    assert stored(hub, naive["client_id"]) is None and stored(hub, huge["client_id"]) is None
    # a whole request that is not a batch still answers 422
    assert hub.client.post("/v1/readings/batch", json={"items": "x"}, headers=hub.kiosk).status_code == 422


def test_a_batch_of_1000_items_fits_and_1001_answer_413_storing_nothing(hub):
    rid = hub.register()["resident"]["id"]
    t0 = datetime.now(UTC) - timedelta(hours=3)
    items = [glucose_body(rid, 90 + i % 50, at=t0 + timedelta(seconds=i)) for i in range(1001)]
    r = hub.client.post("/v1/readings/batch", json={"items": items}, headers=hub.kiosk)
    assert (r.status_code, r.json()["error"]) == (413, "batch_too_large")
    assert stored(hub, items[0]["client_id"]) is None
    results = batch(hub, items[:1000])
    assert len(results) == 1000 and {x["outcome"] for x in results} == {"created"}
    assert stored(hub, items[999]["client_id"]).glucose_mg_dl == 90 + 999 % 50


# ---- newest device time wins ----------------------------------------------------------------------------------

@pytest.mark.parametrize("order", ["create_first", "edit_first"])
def test_a_retry_and_a_newer_edit_store_the_newest_whatever_arrives_first(hub, order):
    rid = hub.register()["resident"]["id"]
    t0 = datetime.now(UTC) - timedelta(hours=1)
    cid = str(uuid.uuid4())
    v1 = edit(bp_body(rid, (130, 80), (130, 80), at=t0, client_id=cid), t0)
    v2 = edit(bp_body(rid, (150, 80), (150, 80), at=t0, client_id=cid), t0 + timedelta(minutes=5))
    first, second = (v1, v2) if order == "create_first" else (v2, v1)
    a, b = batch(hub, [first])[0], batch(hub, [second])[0]
    if order == "create_first":
        assert (a["outcome"], b["outcome"]) == ("created", "updated")
    else:
        assert (a["outcome"], b["outcome"]) == ("created", "stale")
    assert b["category"] == stored(hub, cid).category
    assert stored(hub, cid).systolic == 150


@pytest.mark.parametrize("newer_first", [False, True])
def test_a_create_and_a_newer_edit_of_one_id_in_one_batch_store_the_newest(hub, newer_first):
    rid = hub.register()["resident"]["id"]
    t0 = datetime.now(UTC) - timedelta(hours=1)
    cid = str(uuid.uuid4())
    create = edit(bp_body(rid, (130, 80), (130, 80), at=t0, client_id=cid), t0)
    newer = edit(bp_body(rid, (150, 80), (150, 80), at=t0, client_id=cid), t0 + timedelta(minutes=5))
    items = [newer, create] if newer_first else [create, newer]
    results = batch(hub, items)
    outcomes = {x["index"]: x["outcome"] for x in results}
    assert outcomes[items.index(newer)] == "created" and outcomes[items.index(create)] == "stale"
    assert {x["category"] for x in results} == {stored(hub, cid).category}
    assert stored(hub, cid).systolic == 150


def test_concurrent_versions_of_one_id_leave_the_newest_stored(hub):
    """Eight versions of one record sent at once (a kiosk retrying while it edits): one is created, the newest
    is what stays, and none is answered as applied when an older one is stored."""
    rid = hub.register()["resident"]["id"]
    t0 = datetime.now(UTC) - timedelta(hours=1)
    cid = str(uuid.uuid4())
    versions = [edit(bp_body(rid, (120 + 5 * i, 80), (120 + 5 * i, 80), at=t0, client_id=cid),
                     t0 + timedelta(minutes=i)) for i in range(8)]
    answers: dict[int, str] = {}
    start = threading.Barrier(len(versions))

    def send(i):
        start.wait()
        answers[i] = batch(hub, [versions[i]])[0]["outcome"]

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(versions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(answers) == list(range(8)) and list(answers.values()).count("created") == 1
    assert set(answers.values()) <= {"created", "updated", "stale"}
    assert answers[7] in ("created", "updated")  # the newest is never stale
    row = stored(hub, cid)
    assert (row.systolic, row.device_updated_at) == (155, t0 + timedelta(minutes=7))


def _kiosk_actor(hub) -> Actor:
    return Actor(Principal(kind="device", id=hub.kiosk_id, device_kind="health_kiosk", place="C001"), None, None)


def _wait_for_lock_wait(engine, pid: int, within_s: float = 10.0) -> None:
    """Until the PostgreSQL backend `pid` is waiting on a lock (the other session's uncommitted row)."""
    deadline = time.monotonic() + within_s
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"),
                                   {"pid": pid}).scalar()
            if waiting == "Lock":
                return
            time.sleep(0.02)
    raise AssertionError("the second session never waited for the first one's row")


@pytest.mark.postgres
@pytest.mark.parametrize("first", ["retry", "edit"])
def test_overlapping_uploads_of_one_id_on_postgres_store_the_newest(hub, first, monkeypatch):
    """The lost update: a retry of the first version (130) and a newer edit (150) of one client_id, in two
    sessions that both read "no such row" (a barrier), then insert; the one that inserts second waits for the
    first's row (seen waiting in pg_stat_activity) and, once the first commits, the newest must be stored and
    each session must answer what is stored."""
    rid = hub.register()["resident"]["id"]
    settings = HealthHubsSettings(database_url=hub.db.url)
    rules = rule_set(settings.rules_version)
    t0 = datetime.now(UTC) - timedelta(hours=1)
    cid = uuid.uuid4()
    versions = {
        "retry": BatchItem.model_validate(edit(bp_body(rid, (130, 80), (130, 80), at=t0, client_id=cid), t0)),
        "edit": BatchItem.model_validate(edit(bp_body(rid, (150, 80), (150, 80), at=t0, client_id=cid),
                                              t0 + timedelta(minutes=5))),
    }
    second = "edit" if first == "retry" else "retry"
    read_done = threading.Barrier(2, timeout=10)
    first_inserted, first_may_commit = threading.Event(), threading.Event()
    pids: dict[str, int] = {}
    answers: dict[str, str] = {}
    errors: list[BaseException] = []
    local = threading.local()
    original = service._stored

    def stored_then_wait(session, ids):
        rows = original(session, ids)
        if getattr(local, "name", None) and not getattr(local, "passed", False):
            local.passed = True
            assert rows == {}  # neither session sees the other's row
            read_done.wait()
            if local.name == second:
                first_inserted.wait(10)
        return rows

    monkeypatch.setattr(service, "_stored", stored_then_wait)

    def upload(name: str) -> None:
        local.name = name
        try:
            with Session(hub.db.engine) as s:
                pids[name] = s.execute(text("SELECT pg_backend_pid()")).scalar()
                outcome = service.ingest(s, items=[versions[name]], source=service.Source(hub.kiosk_id, "C001"),
                                         actor=_kiosk_actor(hub), rules=rules, settings=settings,
                                         now=datetime.now(UTC))[0]
                if name == first:
                    first_inserted.set()
                    first_may_commit.wait(10)
                answers[name] = (outcome.outcome, outcome.reading.systolic)
                s.commit()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
            read_done.abort()
            first_inserted.set()

    threads = {name: threading.Thread(target=upload, args=(name,)) for name in versions}
    for t in threads.values():
        t.start()
    first_inserted.wait(10)
    if not errors:
        _wait_for_lock_wait(hub.db.engine, pids[second])
    first_may_commit.set()
    for t in threads.values():
        t.join(20)
    assert not errors, errors
    assert answers[first] == ("created", versions[first].bp[0].systolic)
    assert answers[second] == (("updated", 150) if second == "edit" else ("stale", 150))
    row = stored(hub, cid)
    assert row.systolic == 150 and row.device_updated_at == t0 + timedelta(minutes=5)


# ---- what an edit may change ----------------------------------------------------------------------------------

def test_an_edit_may_not_move_a_reading_to_another_resident(hub):
    rid = hub.register()["resident"]["id"]
    other = hub.register(family_name="박", given_name="철수", sex="male", phone="010-2222-3333",
                         birth_date="1950-07-01", confirm_new=True)["resident"]["id"]
    t0 = datetime.now(UTC) - timedelta(hours=1)
    body = edit(bp_body(rid, at=t0), t0)
    assert batch(hub, [body])[0]["outcome"] == "created"
    moved = edit({**body, "resident_id": other}, t0 + timedelta(minutes=1))
    result = batch(hub, [moved])[0]
    assert (result["outcome"], result["error"]) == ("rejected", "resident_change_refused")
    assert str(stored(hub, body["client_id"]).resident_id) == rid


def test_an_edit_from_bp_to_glucose_changes_the_kind_and_every_column(hub):
    rid = hub.register()["resident"]["id"]
    t0 = datetime.now(UTC) - timedelta(hours=1)
    cid = str(uuid.uuid4())
    batch(hub, [edit(bp_body(rid, (150, 95), (150, 95), at=t0, client_id=cid), t0)])
    result = batch(hub, [edit(glucose_body(rid, 110, at=t0, client_id=cid), t0 + timedelta(minutes=1))])[0]
    row = stored(hub, cid)
    assert result["outcome"] == "updated" and result["category"] == row.category
    assert (row.kind, row.glucose_mg_dl, row.systolic, row.diastolic, row.raw) == ("glucose", 110, None, None, [])
    assert row.category != "hypertension_grade1"


def test_an_edit_into_a_crisis_raises_the_alert_a_create_would(hub):
    rid = hub.register()["resident"]["id"]
    t0 = datetime.now(UTC) - timedelta(minutes=30)
    cid = str(uuid.uuid4())
    batch(hub, [edit(bp_body(rid, (130, 80), (130, 80), at=t0, client_id=cid), t0)])
    assert hub.client.get("/v1/alerts", headers=hub.staff).json() == []
    result = batch(hub, [edit(bp_body(rid, (205, 120), (205, 120), at=t0, client_id=cid),
                              t0 + timedelta(minutes=1))])[0]
    assert (result["outcome"], result["category"]) == ("updated", "crisis")
    alerts = hub.client.get("/v1/alerts", headers=hub.staff).json()
    assert [(a["reading_id"], a["kind"]) for a in alerts] == [(cid, "bp_crisis")]
    # the same edit again changes nothing and raises nothing more
    batch(hub, [edit(bp_body(rid, (205, 120), (205, 120), at=t0, client_id=cid), t0 + timedelta(minutes=1))])
    with Session(hub.db.engine) as s:
        assert len(s.exec(select(Alert)).all()) == 1


def test_an_edit_rechecks_consent_and_erasure_and_a_deletion_is_always_allowed(hub):
    rid = hub.register()["resident"]["id"]
    t0 = datetime.now(UTC) - timedelta(hours=1)
    body = edit(bp_body(rid, at=t0), t0)
    batch(hub, [body])
    r = hub.client.post(f"/v1/residents/{rid}/consents", headers=hub.staff,
                        json={"kind": "health_data", "granted": False})
    assert r.status_code == 200, r.text
    result = batch(hub, [edit(bp_body(rid, (160, 90), (160, 90), at=t0, client_id=body["client_id"]),
                              t0 + timedelta(minutes=1))])[0]
    assert (result["outcome"], result["error"]) == ("rejected", "consent_required")
    assert stored(hub, body["client_id"]).systolic == body["bp"][0]["systolic"] - 1  # (128+126)/2, unchanged
    result = batch(hub, [edit(body, t0 + timedelta(minutes=2), deleted=True)])[0]
    assert result["outcome"] == "deleted"
    r = hub.client.post(f"/v1/residents/{rid}/consents", headers=hub.staff,
                        json={"kind": "health_data", "granted": True})
    held = batch(hub, [bp_body(rid, at=datetime(1970, 1, 1, tzinfo=UTC))])[0]
    assert held["outcome"] == "quarantined"
    r = hub.client.post(f"/v1/residents/{rid}/erasure", headers=hub.staff, json={"reason": "resident_request"})
    assert r.status_code in (200, 201), r.text
    result = batch(hub, [edit(body, t0 + timedelta(minutes=3))])[0]
    assert (result["outcome"], result["error"]) == ("rejected", "resident_erased")
    with Session(hub.db.engine) as s:  # the held item went with the resident
        assert s.exec(select(ReadingQuarantine)).all() == []


def test_an_edit_may_name_the_record_since_merged_into_the_stored_one(hub):
    kept = hub.register()["resident"]["id"]
    dup = hub.register(phone="010-9999-0000", confirm_new=True)["resident"]["id"]
    t0 = datetime.now(UTC) - timedelta(hours=1)
    body = edit(bp_body(dup, at=t0), t0)
    assert batch(hub, [body])[0]["outcome"] == "created"
    r = hub.client.post(f"/v1/residents/{kept}/merge", headers=hub.staff,
                        json={"merged_id": dup, "reason": "same person"})
    assert r.status_code == 201, r.text
    assert str(stored(hub, body["client_id"]).resident_id) == kept
    result = batch(hub, [edit(bp_body(dup, (140, 88), (140, 88), at=t0, client_id=body["client_id"]),
                              t0 + timedelta(minutes=1))])[0]
    assert result["outcome"] == "updated"
    row = stored(hub, body["client_id"])
    assert (str(row.resident_id), row.systolic) == (kept, 140)


# ---- device clocks and quarantine -----------------------------------------------------------------------------

def test_a_future_dated_edit_is_held_and_the_corrected_kiosks_deletion_applies(hub):
    rid = hub.register()["resident"]["id"]
    t0 = datetime.now(UTC) - timedelta(minutes=30)
    body = edit(bp_body(rid, at=t0), t0)
    batch(hub, [body])
    ahead = datetime.now(UTC) + timedelta(hours=5)
    result = batch(hub, [edit(bp_body(rid, (170, 100), (170, 100), at=t0, client_id=body["client_id"]), ahead)])[0]
    assert (result["outcome"], result["error"]) == ("quarantined", "device_time_in_future")
    assert result["quarantine_id"] and stored(hub, body["client_id"]).systolic == 127
    again = batch(hub, [edit(bp_body(rid, (170, 100), (170, 100), at=t0, client_id=body["client_id"]), ahead)])[0]
    assert again["quarantine_id"] == result["quarantine_id"]  # a retried batch is held once
    # the kiosk's clock is put right; its deletion now is newer than what is stored: applied, not stale
    result = batch(hub, [edit(body, datetime.now(UTC), deleted=True)])[0]
    assert result["outcome"] == "deleted"
    # confirming the held edit later finds a tombstone: never revived
    r = hub.client.post(f"/v1/readings/quarantine/{again['quarantine_id']}/confirm", headers=hub.staff, json={})
    assert r.status_code == 200 and r.json()["outcome"] == "ignored_deleted"


def test_a_reset_clock_and_a_slow_clock_are_held_for_staff_with_the_skew_per_kiosk(hub):
    rid = hub.register()["resident"]["id"]
    reset = bp_body(rid, (186, 112), (184, 110), at=datetime(1970, 1, 1, 0, 5, tzinfo=UTC))
    now = datetime.now(UTC)
    behind = now - timedelta(hours=3)
    slow = glucose_body(rid, 99, at=behind - timedelta(minutes=1))
    r1 = batch(hub, [reset])[0]
    assert (r1["outcome"], r1["error"], r1["category"]) == ("quarantined", "device_time_too_old", "crisis")
    r2 = batch(hub, [slow], headers={**hub.kiosk, "X-Device-Time": behind.isoformat()})[0]
    assert (r2["outcome"], r2["error"]) == ("quarantined", "device_clock_behind")
    fast_id, fast_key = hub.auth.device("health_kiosk", "C001")
    fast = {"Authorization": f"Bearer {fast_key}", "X-Device-Time": (now + timedelta(hours=1)).isoformat()}
    r3 = batch(hub, [bp_body(rid, at=now - timedelta(minutes=1))], headers=fast)[0]
    assert (r3["outcome"], r3["error"]) == ("quarantined", "device_clock_ahead")
    r = hub.client.post("/v1/readings/batch", json={"items": [slow]}, headers={**hub.kiosk, "X-Device-Time": "x"})
    assert r.status_code == 422 and r.json()["error"] == "bad_device_time"
    assert stored(hub, reset["client_id"]) is None and stored(hub, slow["client_id"]) is None
    assert hub.client.get("/v1/alerts", headers=hub.staff).json() == []  # nothing stored until confirmed

    clocks = {c["device_id"]: c for c in hub.client.get("/v1/devices/clocks", headers=hub.staff).json()}
    assert {d: c["quarantined_open"] for d, c in clocks.items()} == {hub.kiosk_id: 2, fast_id: 1}
    assert clocks[hub.kiosk_id]["skew_s"] == pytest.approx(-3 * 3600, abs=60)
    assert clocks[hub.kiosk_id]["source"] == "header"
    assert clocks[fast_id]["skew_s"] == pytest.approx(3600, abs=60)
    assert hub.client.get("/v1/devices/clocks", headers=hub.auth.headers("centre_staff", centre_id="C002")
                          ).json() == []

    held = {q["client_id"]: q for q in hub.client.get("/v1/readings/quarantine", headers=hub.staff).json()}
    assert {reset["client_id"], slow["client_id"]} <= set(held) and len(held) == 3
    suggested = datetime.fromisoformat(held[slow["client_id"]]["suggested_measured_at"])
    assert abs(suggested - (now - timedelta(minutes=1))) < timedelta(seconds=60)  # the skew taken off
    other = hub.auth.headers("centre_staff", centre_id="C002")
    assert hub.client.get("/v1/readings/quarantine", headers=other).json() == []
    qid = held[reset["client_id"]]["id"]
    assert hub.client.post(f"/v1/readings/quarantine/{qid}/confirm", headers=other, json={}).status_code == 403

    # the slow kiosk's reading: confirmed at the suggested time; the reset clock's: staff give the real time
    r = hub.client.post(f"/v1/readings/quarantine/{held[slow['client_id']]['id']}/confirm", headers=hub.staff,
                        json={})
    assert r.status_code == 200 and r.json()["outcome"] == "created", r.text
    assert abs(stored(hub, slow["client_id"]).measured_at - suggested) < timedelta(seconds=1)
    real = now - timedelta(minutes=20)
    r = hub.client.post(f"/v1/readings/quarantine/{qid}/confirm", headers=hub.staff,
                        json={"measured_at": real.isoformat()})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["outcome"] == "created" and body["reading"]["category"] == "crisis" and body["reading"]["alert_id"]
    assert stored(hub, reset["client_id"]).measured_at == real
    assert body["quarantine"]["status"] == "confirmed"
    r = hub.client.post(f"/v1/readings/quarantine/{qid}/confirm", headers=hub.staff, json={})
    assert r.status_code == 409 and r.json()["error"] == "quarantine_closed"
    assert len(hub.client.get("/v1/readings/quarantine", headers=hub.staff).json()) == 1  # the fast kiosk's


def test_a_live_reading_from_the_future_is_held_but_the_resident_still_gets_the_advice(hub):
    rid = hub.register()["resident"]["id"]
    body = bp_body(rid, (186, 112), (184, 110), at=datetime.now(UTC) + timedelta(hours=2))
    r = hub.client.post("/v1/readings", json=body, headers=hub.kiosk)
    assert r.status_code == 202, r.text
    answer = r.json()
    assert answer["quarantined"] is True and answer["error"] == "device_time_in_future"
    assert answer["next_step"]["code"] == "call_119" and "119" in answer["next_step"]["ko"]
    assert hub.client.post("/v1/readings", json=body, headers=hub.kiosk).json()["quarantine_id"] == \
        answer["quarantine_id"]
    # without a corrected time the arrival time is suggested; a discarded item stays discarded
    q = hub.client.get("/v1/readings/quarantine", headers=hub.staff).json()[0]
    assert datetime.fromisoformat(q["suggested_measured_at"]) <= datetime.now(UTC)
    r = hub.client.post(f"/v1/readings/quarantine/{q['id']}/discard", headers=hub.staff)
    assert r.status_code == 200 and r.json()["status"] == "discarded"
    assert stored(hub, body["client_id"]) is None


def test_windows_are_settings(client_for, auth, service_db):
    client = client_for("health_hubs", device_past_window_days=400, device_future_window_s=30)
    hub_db = service_db("health_hubs")
    _, key = auth.device("health_kiosk", "C001")
    staff = auth.headers("centre_staff", centre_id="C001")
    from tests.health_hubs.factories import resident_body
    rid = client.post("/v1/residents", json=resident_body(), headers=staff).json()["resident"]["id"]
    kiosk = {"Authorization": f"Bearer {key}"}
    old = bp_body(rid, at=datetime.now(UTC) - timedelta(days=200))
    soon = bp_body(rid, at=datetime.now(UTC) + timedelta(minutes=2))
    results = client.post("/v1/readings/batch", json={"items": [old, soon]}, headers=kiosk).json()["results"]
    assert [x["outcome"] for x in results] == ["created", "quarantined"]
    with Session(hub_db.engine) as s:
        assert len(s.exec(select(ReadingQuarantine)).all()) == 1


# ---- cross-centre readings ------------------------------------------------------------------------------------

def test_a_reading_taken_at_another_centre_is_stored_with_both_centres_seen_at_home_and_counted_once(hub):
    rid = hub.register()["resident"]["id"]  # home: C001
    _, key = hub.auth.device("health_kiosk", "C002")
    away = {"Authorization": f"Bearer {key}"}
    t0 = datetime.now(UTC) - timedelta(days=1)
    home_body = bp_body(rid, (150, 95), (150, 95), at=t0 - timedelta(days=1))
    away_body = bp_body(rid, (126, 78), (124, 78), at=t0)
    assert hub.client.post("/v1/readings", json=home_body, headers=hub.kiosk).status_code == 201
    r = hub.client.post("/v1/readings", json=away_body, headers=away)
    assert r.status_code == 201, r.text
    row = stored(hub, away_body["client_id"])
    assert (row.centre_id, row.home_centre_id) == ("C002", "C001")
    seen = hub.client.get(f"/v1/residents/{rid}/readings", headers=hub.staff).json()
    assert {x["id"]: (x["centre_id"], x["home_centre_id"]) for x in seen} == {
        home_body["client_id"]: ("C001", "C001"), away_body["client_id"]: ("C002", "C001")}
    other = hub.auth.headers("centre_staff", centre_id="C002")
    assert hub.client.get(f"/v1/residents/{rid}/readings", headers=other).status_code == 403
    month = datetime.now(UTC).astimezone(timezone(timedelta(hours=9))).strftime("%Y-%m")  # Pohang time
    with hub.db.engine.connect() as conn:
        counts = centre_counts(conn, month=month, rules=rule_set("ksh2022.1"), as_of=datetime.now(UTC))
    assert "C002" not in counts  # the measuring centre counts no one
    assert counts["C001"]["registered"] == 1 and counts["C001"]["new_registrations"] == 1
