"""The access log: one event per record access, written in the request's own transaction, and its reads (the
admin's search, the monthly review, the two-year purge)."""

from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, select

from services.common.db import utcnow
from services.health_hubs.access import Actor
from services.health_hubs.audit.models import AuditEvent


def audit(session: Session, actor: Actor, *, action: str, entity: str, entity_id=None, resident_id=None,
          purpose: str, detail: dict | None = None) -> None:
    """Writes one audit event in the request's own transaction: no record change without its trail."""
    p = actor.principal
    session.add(AuditEvent(
        at=utcnow(), actor_kind=p.kind, actor_id=p.id, actor_role=p.role or p.device_kind,
        actor_place=p.centre_id or p.district or p.place, action=action, entity=entity,
        entity_id=str(entity_id) if entity_id is not None else None, resident_id=resident_id,
        purpose=(actor.purpose or purpose)[:80], detail=detail or {}, request_id=actor.request_id,
    ))


def list_audit(session: Session, *, resident_id=None, actor_id=None, action=None, since=None, until=None,
               limit: int = 200) -> list[AuditEvent]:
    query = select(AuditEvent)
    if resident_id is not None:
        query = query.where(AuditEvent.resident_id == resident_id)
    if actor_id:
        query = query.where(AuditEvent.actor_id == actor_id)
    if action:
        query = query.where(AuditEvent.action == action)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    return list(session.exec(query.order_by(AuditEvent.id.desc()).limit(limit)).all())


def audit_summary(session: Session, *, since, until) -> list[dict]:
    """Events per actor and action in a period: the monthly access review (PIPA) starts here."""
    rows = session.exec(select(AuditEvent.actor_id, AuditEvent.actor_role, AuditEvent.action,
                               func.count(), func.count(AuditEvent.resident_id.distinct()))
                        .where(AuditEvent.at >= since, AuditEvent.at < until)
                        .group_by(AuditEvent.actor_id, AuditEvent.actor_role, AuditEvent.action)).all()
    return [{"actor_id": a, "actor_role": r, "action": act, "events": n, "residents": m}
            for a, r, act, n, m in sorted(rows, key=lambda t: -t[3])]


def purge_audit(session: Session, *, before) -> int:
    return session.execute(delete(AuditEvent).where(AuditEvent.at < before)).rowcount


def oldest_audit_event(session) -> datetime | None:
    """When the access log's oldest kept event happened (retention shows in the monthly review)."""
    return session.exec(select(func.min(AuditEvent.at))).one()


def review(session: Session, *, since: datetime | None, until: datetime | None, now: datetime) -> dict:
    """Events per actor and action (default: the 30 days before `now`), for the monthly access review."""
    until = until or now
    since = since or until - timedelta(days=30)
    return {"since": since, "until": until, "oldest_event_at": oldest_audit_event(session),
            "actors": audit_summary(session, since=since, until=until)}
