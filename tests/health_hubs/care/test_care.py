"""Alerts with re-measure, acknowledgement and escalation (a job); referrals from repeated uncontrolled readings,
their status and outcome; the overdue list."""

from datetime import UTC, datetime, timedelta

from services.common.jobs import run_job
from services.health_hubs.jobs import JOBS
from services.health_hubs.models import job_run
from services.health_hubs.settings import HealthHubsSettings

JOB = {j.id: j for j in JOBS}


def run(hub, job_id, now):
    settings = HealthHubsSettings(database_url=hub.db.url)
    return run_job(JOB[job_id], engine=hub.db.engine, job_run=job_run, settings=settings, now=now)


def test_hypoglycaemia_alert_links_the_remeasure_and_is_acknowledged(hub):
    rid = hub.register()["resident"]["id"]
    t0 = datetime.now(UTC) - timedelta(minutes=20)
    body = hub.post_glucose(rid, 52, at=t0).json()
    assert body["category"] == "hypo_level2" and body["next_step"]["code"] == "eat_sugar_tell_staff"
    assert hub.post_glucose(rid, 88, at=t0 + timedelta(minutes=15)).status_code == 201
    alert = hub.client.get("/v1/alerts", headers=hub.staff).json()[0]
    assert alert["kind"] == "hypoglycaemia" and alert["remeasure_category"] == "normal"
    other = hub.auth.headers("centre_staff", centre_id="C002")
    assert hub.client.post(f"/v1/alerts/{alert['id']}/ack", headers=other).status_code == 403
    r = hub.client.post(f"/v1/alerts/{alert['id']}/ack", headers=hub.staff)
    assert r.status_code == 200 and r.json()["status"] == "acknowledged"
    assert hub.client.post(f"/v1/alerts/{alert['id']}/ack", headers=hub.staff).json()["error"] == "alert_not_open"
    r = hub.client.post(f"/v1/alerts/{alert['id']}/resolve", headers=hub.staff, json={"outcome": "juice, 88 later"})
    assert r.json()["status"] == "resolved"


def test_unacknowledged_alert_escalates_to_the_district_nurse(hub):
    rid = hub.register()["resident"]["id"]
    alert_id = hub.post_bp(rid, (190, 100), (188, 100)).json()["alert_id"]
    now = datetime.now(UTC)
    assert run(hub, "health_hubs.escalate_alerts", now + timedelta(minutes=5))["summary"]["escalated"] == 0
    assert run(hub, "health_hubs.escalate_alerts", now + timedelta(minutes=11))["summary"]["escalated"] == 1
    assert run(hub, "health_hubs.escalate_alerts", now + timedelta(minutes=12))["summary"]["escalated"] == 0
    alerts = hub.client.get("/v1/alerts", headers=hub.nurse).json()
    assert alerts[0]["id"] == alert_id and alerts[0]["escalation_level"] == 1
    assert hub.client.get("/v1/alerts", headers=hub.auth.headers("nurse", district="Nam-gu")).json() == []
    overview = hub.client.get("/v1/overview", headers=hub.official).json()
    attention = {a["key"]: a["count"] for a in overview["attention"]}
    assert attention["alerts_waiting"] == 1 and attention["alerts_escalated"] == 1


def test_repeated_uncontrolled_readings_make_one_referral_with_status_and_outcome(hub):
    rid = hub.register()["resident"]["id"]
    now = datetime.now(UTC)
    for days in (20, 10):
        hub.post_bp(rid, (150, 92), (152, 94), at=now - timedelta(days=days))
    assert hub.client.get("/v1/referrals", headers=hub.staff).json() == []
    hub.post_bp(rid, (148, 90), (150, 91), at=now - timedelta(days=1))
    hub.post_bp(rid, (160, 96), (158, 96))
    referrals = hub.client.get("/v1/referrals", headers=hub.nurse).json()
    assert len(referrals) == 1 and referrals[0]["status"] == "requested" and len(referrals[0]["evidence"]) == 3
    ref_id = referrals[0]["id"]
    r = hub.client.post("/v1/referrals", headers=hub.staff, json={"resident_id": rid, "reason": "again"})
    assert r.status_code == 409 and r.json()["error"] == "referral_open"
    r = hub.client.patch(f"/v1/referrals/{ref_id}", headers=hub.nurse, json={"status": "completed",
                                                                               "outcome": "no_change_needed"})
    assert r.status_code == 409 and r.json()["error"] == "bad_transition"
    assert hub.client.patch(f"/v1/referrals/{ref_id}", headers=hub.nurse,
                            json={"status": "accepted"}).json()["status"] == "accepted"
    r = hub.client.patch(f"/v1/referrals/{ref_id}", headers=hub.nurse, json={"status": "completed"})
    assert r.json()["error"] == "outcome_required"
    r = hub.client.patch(f"/v1/referrals/{ref_id}", headers=hub.nurse,
                         json={"status": "completed", "outcome": "treatment_started", "outcome_note": "amlodipine"})
    assert r.json()["status"] == "completed" and r.json()["outcome"] == "treatment_started"
    # closed, so a new one may be opened
    assert hub.client.post("/v1/referrals", headers=hub.staff,
                           json={"resident_id": rid, "reason": "follow-up"}).status_code == 201


def test_overdue_list_for_follow_up_calls(hub, monkeypatch):
    rid = hub.register()["resident"]["id"]
    ref = hub.client.post("/v1/referrals", headers=hub.staff, json={"resident_id": rid, "reason": "high"}).json()
    assert hub.client.get("/v1/referrals/overdue", headers=hub.staff).json() == []
    from sqlalchemy import update

    from services.health_hubs.care.models import Referral

    with hub.db.engine.begin() as conn:  # the referral was requested eight days ago
        conn.execute(update(Referral).values(due_at=datetime.now(UTC) - timedelta(days=1)))
    items = hub.client.get("/v1/referrals/overdue", headers=hub.staff).json()
    assert [i["referral"]["id"] for i in items] == [ref["id"]]
    assert items[0]["phone"] == "01012345678" and items[0]["resident_name"] == "김영희"
    assert items[0]["days_overdue"] >= 1
    other = hub.auth.headers("centre_staff", centre_id="C002")
    assert hub.client.get("/v1/referrals/overdue", headers=other).json() == []
