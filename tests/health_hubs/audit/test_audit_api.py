"""The audit trail of record access (who, when, what, why), its two-year retention job and admin review."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from services.common.jobs import run_job
from services.health_hubs.audit.models import AuditEvent
from services.health_hubs.jobs import JOBS
from services.health_hubs.models import job_run
from services.health_hubs.settings import HealthHubsSettings


def events(hub, **params):
    r = hub.client.get("/v1/audit", headers=hub.admin, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_every_record_access_is_audited_with_who_what_and_why(hub):
    rid = hub.register()["resident"]["id"]
    hub.client.get(f"/v1/residents/{rid}", headers={**hub.staff, "X-Purpose": "blood pressure follow-up"})
    hub.client.patch(f"/v1/residents/{rid}", headers=hub.staff, json={"phone": "010-9999-0000"})
    hub.client.get(f"/v1/residents/{rid}/fhir", headers=hub.nurse)
    hub.client.get("/v1/residents/search", headers=hub.staff, params={
        "family_name": "김", "given_name": "영희", "birth_date": "1948-03-15", "sex": "female"})
    hub.post_bp(rid)
    trail = events(hub, resident_id=rid)
    actions = [(e["action"], e["entity"]) for e in reversed(trail)]
    assert actions == [("create", "resident"), ("read", "resident"), ("update", "resident"),
                       ("export", "resident")]
    read = next(e for e in trail if e["action"] == "read")
    assert read["purpose"] == "blood pressure follow-up" and read["actor_role"] == "centre_staff"
    assert read["actor_place"] == "C001" and read["at"] and read["request_id"]
    assert next(e for e in trail if e["action"] == "export")["actor_role"] == "nurse"
    assert [e["action"] for e in events(hub, action="search")]  # the search was logged
    kiosk = [e for e in events(hub) if e["actor_kind"] == "device"]
    assert kiosk and kiosk[0]["entity"] == "reading" and kiosk[0]["purpose"] == "kiosk_measurement"
    review = hub.client.get("/v1/audit/review", headers=hub.admin).json()
    assert {a["action"] for a in review["actors"]} >= {"create", "read", "update", "export", "search"}
    for who in (hub.staff, hub.nurse, hub.official):
        assert hub.client.get("/v1/audit", headers=who).status_code == 403


def test_a_refused_access_leaves_no_data_and_the_log_is_kept_two_years(hub):
    old, recent = datetime.now(UTC) - timedelta(days=731), datetime.now(UTC) - timedelta(days=700)
    with hub.db.engine.begin() as conn:
        for at in (old, recent):
            conn.execute(insert(AuditEvent).values(at=at, actor_kind="user", actor_id="x", action="read",
                                                   entity="resident", purpose="care", detail={}))
    job = next(j for j in JOBS if j.id == "health_hubs.purge_audit")
    result = run_job(job, engine=hub.db.engine, job_run=job_run,
                     settings=HealthHubsSettings(database_url=hub.db.url), now=datetime.now(UTC))
    assert result["summary"] == {"deleted": 1}
    with hub.db.engine.connect() as conn:
        left = conn.execute(select(AuditEvent.at)).scalars().all()
    assert len(left) == 1 and left[0] > old
