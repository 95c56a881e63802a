"""Jobs of the health_hubs service, run by `aicity worker`."""

from datetime import timedelta

from sqlmodel import Session

from services.common.jobs import Job
from services.health_hubs.audit.service import purge_audit
from services.health_hubs.care.notifications import deliver_pending, escalate_overdue
from services.health_hubs.readings.rules import rule_set
from services.health_hubs.readings.service import reclassify


def escalate_alerts(engine, *, settings, now) -> dict:
    """Crisis / hypoglycaemia alerts nobody acknowledged move up the chain (care/domain.py ESCALATION_CHAIN),
    each level writing its notifications into the outbox in the same transaction."""
    with Session(engine) as session:
        summary = escalate_overdue(session, now=now)
        session.commit()
    return summary


def deliver_notifications(engine, *, settings, now, channel=None) -> dict:
    """Sends the outbox's due notifications (SMTP e-mail here), with backoff; never twice."""
    return deliver_pending(engine, settings=settings, now=now, channel=channel)


def purge_audit_log(engine, *, settings, now) -> dict:
    """Deletes audit events older than audit_retention_days (two years by default, PIPA)."""
    with Session(engine) as session:
        deleted = purge_audit(session, before=now - timedelta(days=settings.audit_retention_days))
        session.commit()
    return {"deleted": deleted}


def reclassify_readings(engine, *, settings, now) -> dict:
    """Re-classifies readings stored under another rule version than the active one, in chunks."""
    rules = rule_set(settings.rules_version)
    total = {"reclassified": 0, "category_changed": 0}
    while True:
        with Session(engine) as session:
            result = reclassify(session, rules=rules, limit=5000)
            session.commit()
        total["reclassified"] += result["reclassified"]
        total["category_changed"] += result["category_changed"]
        if result["remaining"] == 0 or result["reclassified"] == 0:
            return {**total, "rule_version": rules.version}


JOBS: list[Job] = [
    Job(id="health_hubs.escalate_alerts", func=escalate_alerts, trigger={"trigger": "interval", "minutes": 1},
        description="escalate unacknowledged crisis and hypoglycaemia alerts to the district nurse"),
    Job(id="health_hubs.deliver_notifications", func=deliver_notifications,
        trigger={"trigger": "interval", "seconds": 20},
        description="deliver escalation notifications from the outbox, retrying with backoff"),
    Job(id="health_hubs.purge_audit", func=purge_audit_log, trigger={"trigger": "cron", "hour": 3, "minute": 10},
        description="keep the access log two years, then delete it"),
    Job(id="health_hubs.reclassify_readings", func=reclassify_readings,
        trigger={"trigger": "cron", "hour": 2, "minute": 30},
        description="re-classify readings stored under an older rule version"),
]
