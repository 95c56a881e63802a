"""Re-classification of stored readings when the active rule version changes."""

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import select
from sqlmodel import Session

from services.common.jobs import run_job
from services.health_hubs.jobs import JOBS
from services.health_hubs.models import job_run
from services.health_hubs.readings.models import Reading
from services.health_hubs.readings.rules import KSH_2022
from services.health_hubs.readings.service import reclassify
from services.health_hubs.settings import HealthHubsSettings


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
