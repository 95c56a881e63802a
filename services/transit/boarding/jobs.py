"""Jobs of transit boarding: templates past their validity are purged; the gallery change log is pruned."""

from sqlmodel import Session

from services.common.jobs import Job
from services.transit.boarding import service


def purge_expired_templates(engine, *, settings, now) -> dict:
    with Session(engine) as session:
        purged = service.purge_expired(session, now=now)
        pruned = service.prune_change_log(session, now=now)
        session.commit()
    return {"templates_purged": purged, "change_log_pruned": pruned}


JOBS: list[Job] = [
    Job(id="transit.purge_expired_templates", func=purge_expired_templates,
        trigger={"trigger": "cron", "hour": 3, "minute": 17},
        description="erase face templates past their validity period (and old gallery change-log rows)"),
]
