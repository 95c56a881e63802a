"""The audit trail of record access (who, when, what, why), its two-year retention job and admin review; the FHIR
R4B export validated by fhir.resources and by our own LOINC/UCUM checks; re-classification on a rule change."""

import copy
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import insert, select
from sqlmodel import Session

from services.common.jobs import run_job
from services.health_hubs.audit.models import AuditEvent
from services.health_hubs.fhir.export import FhirCheckError, validate
from services.health_hubs.jobs import JOBS
from services.health_hubs.models import job_run
from services.health_hubs.readings.models import Reading
from services.health_hubs.readings.rules import KSH_2022
from services.health_hubs.readings.service import reclassify
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


def test_fhir_export_is_a_valid_r4b_bundle_with_loinc_and_ucum(hub):
    rid = hub.register()["resident"]["id"]
    hub.post_bp(rid, (150, 95), (146, 93))
    hub.post_glucose(rid, 130, meal="fasting")
    hub.post_glucose(rid, 180, meal="random")
    r = hub.client.get(f"/v1/residents/{rid}/fhir", headers=hub.staff)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/fhir+json")
    bundle = r.json()
    model = validate(bundle)
    assert model.type == "collection"
    resources = [e["resource"] for e in bundle["entry"]]
    patient = resources[0]
    assert patient["resourceType"] == "Patient" and patient["birthDate"] == "1948-03-15"
    assert "identifier" in patient and not any("rrn" in str(i).lower() for i in patient["identifier"])
    codes = sorted(o["code"]["coding"][0]["code"] for o in resources[1:])
    assert codes == sorted(["85354-9", "8867-4", "1556-0", "41653-7"])  # fasting finger-stick: capillary blood
    bp = next(o for o in resources if o.get("code", {}).get("coding", [{}])[0].get("code") == "85354-9")
    assert {c["code"]["coding"][0]["code"]: c["valueQuantity"]["code"] for c in bp["component"]} == {
        "8480-6": "mm[Hg]", "8462-4": "mm[Hg]"}
    assert bp["component"][0]["valueQuantity"]["value"] == 148
    assert bp["category"][0]["coding"][0]["code"] == "vital-signs"

    wrong_unit = copy.deepcopy(bundle)
    obs = next(e["resource"] for e in wrong_unit["entry"] if e["resource"].get("valueQuantity", {}).get("code")
               == "mg/dL")
    obs["valueQuantity"]["code"] = "mmol/L"
    with pytest.raises(FhirCheckError):
        validate(wrong_unit)
    wrong_code = copy.deepcopy(bundle)
    wrong_code["entry"][1]["resource"]["code"]["coding"][0]["code"] = "12345-6"
    with pytest.raises(FhirCheckError):
        validate(wrong_code)
    broken = copy.deepcopy(bundle)
    del broken["entry"][1]["resource"]["status"]  # required by R4B: fhir.resources catches it
    with pytest.raises(ValidationError):
        validate(broken)
    bad_status = copy.deepcopy(bundle)  # fhir.resources does not check the value set: we do
    bad_status["entry"][1]["resource"]["status"] = "not-a-status"
    with pytest.raises(FhirCheckError):
        validate(bad_status)


def test_a_rule_change_reclassifies_history(hub):
    rid = hub.register()["resident"]["id"]
    hub.post_bp(rid, (135, 85), (135, 85))
    hub.post_bp(rid, (110, 70), (110, 70))
    stricter = replace(KSH_2022, version="test.2", bp_grades=(("hypertension_grade2", 160, 100),
                                                               ("hypertension_grade1", 130, 80),
                                                               ("elevated", 120, None)))
    with Session(hub.db.engine) as session:
        result = reclassify(session, rules=stricter)
        session.commit()
    assert result == {"reclassified": 2, "category_changed": 1, "remaining": 0}
    with hub.db.engine.connect() as conn:
        rows = conn.execute(select(Reading.systolic, Reading.category, Reading.rule_version)).all()
    assert sorted(rows) == [(110, "normal", "test.2"), (135, "hypertension_grade1", "test.2")]
    job = next(j for j in JOBS if j.id == "health_hubs.reclassify_readings")  # back to the active version
    result = run_job(job, engine=hub.db.engine, job_run=job_run,
                     settings=HealthHubsSettings(database_url=hub.db.url), now=datetime.now(UTC))
    assert result["summary"]["reclassified"] == 2 and result["summary"]["rule_version"] == "ksh2022.1"
