"""The staff and nurse workspace over the API: actions on an alert, nurse lists honouring sharing consent,
follow-up lists with call results and returned-to-care within 15 days."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.common.citytime import CITY_ZONE
from tests.health_hubs.factories import Hub


@pytest.fixture
def old_hub(client_for, auth, service_db) -> Hub:
    """The service taking a kiosk's readings up to 500 days back: the sync protocol quarantines items older than
    its 30-day window by default, and the follow-up lists need a year of history."""
    kiosk_id, key = auth.device("health_kiosk", "C001")
    return Hub(client=client_for("health_hubs", device_past_window_days=500), auth=auth,
               kiosk={"Authorization": f"Bearer {key}"}, kiosk_id=kiosk_id, db=service_db("health_hubs"))


def test_staff_records_actions_then_resolves_and_the_alert_shows_them(hub):
    rid = hub.register()["resident"]["id"]
    alert_id = hub.post_bp(rid, (192, 104), (190, 100)).json()["alert_id"]
    open_alert = hub.client.get("/v1/alerts?status=open", headers=hub.staff).json()[0]
    assert open_alert["reading"]["systolic"] == 191 and open_alert["next_escalation_at"] == open_alert["ack_due_at"]
    r = hub.client.post(f"/v1/alerts/{alert_id}/actions", headers=hub.staff, json={"action": "teleport"})
    assert r.status_code == 422
    r = hub.client.post(f"/v1/alerts/{alert_id}/actions", headers=hub.staff,
                        json={"action": "remeasured", "note": "5분 쉬고 다시"})
    assert r.status_code == 201 and r.json()["status"] == "acknowledged" and r.json()["next_escalation_at"] is None
    hub.client.post(f"/v1/alerts/{alert_id}/actions", headers=hub.staff, json={"action": "family_called"})
    other = hub.auth.headers("centre_staff", centre_id="C002")
    assert hub.client.post(f"/v1/alerts/{alert_id}/actions", headers=other,
                           json={"action": "went_home"}).status_code == 403
    done = hub.client.post(f"/v1/alerts/{alert_id}/resolve", headers=hub.staff,
                           json={"outcome": "stable_after_remeasure"}).json()
    assert done["status"] == "resolved" and [a["action"] for a in done["actions"]] == ["remeasured", "family_called"]
    r = hub.client.post(f"/v1/alerts/{alert_id}/actions", headers=hub.staff, json={"action": "went_home"})
    assert r.status_code == 409 and r.json()["error"] == "alert_resolved"


def test_nurse_alert_list_honours_sharing_consent(hub):
    shares = hub.register()["resident"]["id"]
    private = hub.register(given_name="철수", sex="male", phone="010-9999-0000",
                           consents={"share_public_health": False})["resident"]["id"]
    a1 = hub.post_bp(shares, (190, 100), (188, 100)).json()["alert_id"]
    a2 = hub.post_bp(private, (195, 110), (193, 108)).json()["alert_id"]
    staff_ids = {a["id"] for a in hub.client.get("/v1/alerts", headers=hub.staff).json()}
    nurse_ids = {a["id"] for a in hub.client.get("/v1/alerts", headers=hub.nurse).json()}
    assert staff_ids == {a1, a2} and nurse_ids == {a1}
    r = hub.client.post(f"/v1/alerts/{a2}/ack", headers=hub.nurse)
    assert r.status_code == 403 and r.json()["error"] == "no_sharing_consent"
    assert hub.client.get("/v1/alerts", headers=hub.official).status_code == 403


def test_nurse_referral_list_honours_sharing_consent_and_its_withdrawal(hub):
    shares = hub.register()["resident"]["id"]
    private = hub.register(given_name="철수", sex="male", phone="010-9999-0000",
                           consents={"share_public_health": False})["resident"]["id"]
    made = {}
    for rid in (shares, private):
        r = hub.client.post("/v1/referrals", headers=hub.staff, json={"resident_id": rid, "reason": "혈압이 높아요"})
        assert r.status_code == 201, r.text
        made[rid] = r.json()["id"]
    assert {r["id"] for r in hub.client.get("/v1/referrals", headers=hub.staff).json()} == set(made.values())
    assert {r["id"] for r in hub.client.get("/v1/referrals", headers=hub.nurse).json()} == {made[shares]}
    r = hub.client.patch(f"/v1/referrals/{made[private]}", headers=hub.nurse, json={"status": "accepted"})
    assert r.status_code == 403
    r = hub.client.post(f"/v1/residents/{shares}/consents", headers=hub.staff,
                        json={"kind": "share_public_health", "granted": False})
    assert r.status_code == 200, r.text
    assert hub.client.get("/v1/referrals", headers=hub.nurse).json() == []


def test_the_referral_worklist_is_the_open_referrals_soonest_due_first_with_names_each_read_audited(hub):
    first = hub.register()["resident"]["id"]
    private = hub.register(given_name="철수", sex="male", phone="010-9999-0000",
                           consents={"share_public_health": False})["resident"]["id"]
    done = hub.register(given_name="민수", sex="male", phone="010-8888-7777", birth_date="1951-07-02")["resident"]["id"]
    refs = {rid: hub.client.post("/v1/referrals", headers=hub.staff, json={"resident_id": rid, "reason": "혈압"}).json()
            for rid in (first, private, done)}
    from sqlalchemy import update

    from services.health_hubs.care.models import Referral

    with hub.db.engine.begin() as conn:  # the private resident's referral is due first, then the first's
        conn.execute(update(Referral).where(Referral.id == uuid.UUID(refs[private]["id"]))
                     .values(due_at=datetime.now(UTC) - timedelta(days=2)))
    hub.client.patch(f"/v1/referrals/{refs[done]['id']}", headers=hub.nurse, json={"status": "accepted"})
    hub.client.patch(f"/v1/referrals/{refs[done]['id']}", headers=hub.nurse,
                     json={"status": "completed", "outcome": "no_change_needed"})
    staff = hub.client.get("/v1/referrals/worklist", headers=hub.staff).json()
    assert [(i["referral"]["id"], i["resident_name"]) for i in staff] == [
        (refs[private]["id"], "김철수"), (refs[first]["id"], "김영희")]
    nurse = hub.client.get("/v1/referrals/worklist", headers={**hub.nurse, "X-Purpose": "referral_review"}).json()
    assert [(i["referral"]["id"], i["resident_name"]) for i in nurse] == [(refs[first]["id"], "김영희")]
    log = hub.client.get(f"/v1/residents/{first}/access-log", headers=hub.staff).json()
    reads = [(e["actor_role"], e["purpose"]) for e in log if e["action"] == "read" and e["entity"] == "resident"]
    assert ("nurse", "referral_review") in reads and ("centre_staff", "referral") in reads
    other = hub.auth.headers("centre_staff", centre_id="C002")
    assert hub.client.get("/v1/referrals/worklist", headers=other).json() == []
    assert hub.client.get("/v1/referrals/worklist", headers=hub.official).status_code == 403


def test_nurse_records_the_visit_day_when_completing_a_referral(hub):
    rid = hub.register()["resident"]["id"]
    ref = hub.client.post("/v1/referrals", headers=hub.staff, json={"resident_id": rid, "reason": "혈압"}).json()
    today = datetime.now(UTC).astimezone(CITY_ZONE).date()
    r = hub.client.patch(f"/v1/referrals/{ref['id']}", headers=hub.nurse,
                         json={"status": "accepted", "visited_on": today.isoformat()})
    assert r.status_code == 422 and r.json()["error"] == "visit_on_completion"
    assert hub.client.patch(f"/v1/referrals/{ref['id']}", headers=hub.nurse,
                            json={"status": "accepted"}).json()["status"] == "accepted"
    for bad in (today + timedelta(days=1), today - timedelta(days=2)):  # tomorrow; before it was accepted
        r = hub.client.patch(f"/v1/referrals/{ref['id']}", headers=hub.nurse, json={
            "status": "completed", "outcome": "treatment_started", "visited_on": bad.isoformat()})
        assert r.status_code == 422 and r.json()["error"] == "bad_visit_day", bad
    assert hub.client.get("/v1/referrals", headers=hub.nurse).json()[0]["status"] == "accepted"  # nothing written
    done = hub.client.patch(f"/v1/referrals/{ref['id']}", headers=hub.nurse, json={
        "status": "completed", "outcome": "treatment_started", "visited_on": today.isoformat()}).json()
    assert done["status"] == "completed" and done["visited_on"] == today.isoformat()


def test_follow_up_lists_take_call_results_and_count_returns_within_15_days(old_hub):
    hub = old_hub
    now = datetime.now(UTC)
    uncontrolled = hub.register()["resident"]["id"]
    hub.post_bp(uncontrolled, (152, 95), (150, 94), at=now - timedelta(days=40))
    missed = hub.register(given_name="철수", sex="male", phone="010-2222-3333")["resident"]["id"]
    hub.post_bp(missed, (120, 80), (122, 78), at=now - timedelta(days=120))
    lost = hub.register(given_name="순자", phone="010-4444-5555")["resident"]["id"]
    hub.post_bp(lost, (125, 80), (124, 79), at=now - timedelta(days=400))
    fine = hub.register(given_name="민수", sex="male", phone="010-6666-7777")["resident"]["id"]
    hub.post_bp(fine, (120, 78), (118, 76), at=now - timedelta(days=40))  # controlled, seen 40 days ago
    body = hub.client.get("/v1/follow-ups", headers=hub.staff).json()
    kinds = {i["resident_id"]: i["list_kind"] for i in body["items"]}
    assert kinds == {uncontrolled: "uncontrolled", missed: "missed", lost: "lost"}
    assert [i["list_kind"] for i in body["items"]] == ["uncontrolled", "missed", "lost"]
    assert body["called"] == 0
    r = hub.client.post("/v1/follow-ups/calls", headers=hub.staff,
                        json={"resident_id": uncontrolled, "list_kind": "uncontrolled", "result": "will_come"})
    assert r.status_code == 201
    assert hub.client.post("/v1/follow-ups/calls", headers=hub.staff, json={
        "resident_id": missed, "list_kind": "missed", "result": "maybe"}).status_code == 422
    hub.client.post("/v1/follow-ups/calls", headers=hub.staff,
                    json={"resident_id": lost, "list_kind": "lost", "result": "moved"})
    hub.post_bp(uncontrolled, (138, 86), (136, 84), at=now + timedelta(minutes=1))  # came back
    body = hub.client.get("/v1/follow-ups", headers=hub.staff).json()
    assert {i["resident_id"] for i in body["items"]} == {missed}  # moved: off; re-measured: not due
    assert body["called"] == 2 and body["returned_to_care"] == 1
    nurse_view = hub.client.get("/v1/follow-ups", headers=hub.nurse).json()
    assert {i["resident_id"] for i in nurse_view["items"]} == {missed}
    other = hub.auth.headers("centre_staff", centre_id="C002")
    assert hub.client.get("/v1/follow-ups", headers=other).json()["items"] == []


@pytest.mark.parametrize("kst", ["08:00", "00:10"])
def test_centre_today_lists_who_measured_and_who_still_owes_a_remeasure(hub, monkeypatch, kst):
    # the service's clock at the latest 08:00 or 00:10 in Pohang: just after midnight, readings of 23:40 and 23:50
    # are yesterday's (CI once ran this on the wall clock at 00:05 KST and found b missing)
    hour, minute = map(int, kst.split(":"))
    real = datetime.now(UTC)
    now = real.astimezone(CITY_ZONE).replace(hour=hour, minute=minute, second=0, microsecond=0).astimezone(UTC)
    now = now if now <= real else now - timedelta(days=1)
    from services.health_hubs.care import router as care_router

    monkeypatch.setattr(care_router, "utcnow", lambda: now)
    a = hub.register()["resident"]["id"]
    b = hub.register(given_name="철수", sex="male", phone="010-2222-3333")["resident"]["id"]
    hub.post_bp(a, (191, 101), (189, 99), at=now - timedelta(minutes=3))  # crisis: asks for a re-measure
    hub.post_bp(b, (191, 101), (189, 99), at=now - timedelta(minutes=30))
    hub.post_bp(b, (132, 84), (130, 82), at=now - timedelta(minutes=20))  # b re-measured
    body = hub.client.get("/v1/centre-today", headers=hub.staff).json()
    assert {m["resident_id"] for m in body["measured"]} == ({a, b} if kst == "08:00" else {a})
    assert [w["resident_id"] for w in body["awaiting_remeasure"]] == [a]
    assert body["awaiting_remeasure"][0]["minutes_ago"] >= 2
    other = hub.auth.headers("centre_staff", centre_id="C002")
    assert hub.client.get("/v1/centre-today", headers=other).json()["measured"] == []


def test_record_timeline_and_the_residents_own_access_log(hub):
    rid = hub.register()["resident"]["id"]
    alert_id = hub.post_bp(rid, (190, 100), (188, 100)).json()["alert_id"]
    hub.client.post(f"/v1/alerts/{alert_id}/actions", headers=hub.staff, json={"action": "called_119"})
    hub.client.post("/v1/referrals", headers=hub.staff, json={"resident_id": rid, "reason": "위기 혈압"})
    hub.client.get(f"/v1/residents/{rid}", headers={**hub.nurse, "X-Purpose": "home_visit"})
    events = hub.client.get(f"/v1/residents/{rid}/timeline", headers=hub.staff).json()
    assert sorted(e["type"] for e in events) == ["alert", "referral"]
    assert next(e for e in events if e["type"] == "alert")["extra"] == ["called_119"]
    log = hub.client.get(f"/v1/residents/{rid}/access-log", headers=hub.staff).json()
    nurse_reads = [e for e in log if e["actor_role"] == "nurse" and e["action"] == "read"]
    assert nurse_reads and nurse_reads[0]["purpose"] == "home_visit"
    assert any(e["entity"] == "timeline" for e in log)
    other = hub.auth.headers("centre_staff", centre_id="C002")
    assert hub.client.get(f"/v1/residents/{rid}/access-log", headers=other).status_code == 403


def test_erasure_takes_the_workspace_rows_with_it(hub):
    from sqlmodel import Session, select

    from services.health_hubs.care.models import AlertAction, EscalationContact, FollowUpCall, Notification
    from services.health_hubs.care.notifications import escalate_overdue

    rid = hub.register()["resident"]["id"]
    alert_id = hub.post_bp(rid, (190, 100), (188, 100)).json()["alert_id"]
    with Session(hub.db.engine) as s:
        s.add(EscalationContact(district="Buk-gu", level=1, name="김간호", address="n@bukgu.example"))
        s.commit()
        escalate_overdue(s, now=datetime.now(UTC) + timedelta(minutes=11))
        s.commit()
    hub.client.post(f"/v1/alerts/{alert_id}/actions", headers=hub.staff, json={"action": "family_called"})
    hub.client.post("/v1/follow-ups/calls", headers=hub.staff,
                    json={"resident_id": rid, "list_kind": "missed", "result": "reached"})
    r = hub.client.post(f"/v1/residents/{rid}/erasure", headers=hub.staff, json={"reason": "resident_request"})
    assert r.status_code == 201, r.text
    with Session(hub.db.engine) as s:
        for table in (AlertAction, Notification, FollowUpCall):
            assert s.exec(select(table)).all() == []
