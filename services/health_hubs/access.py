"""Who may see which resident (role and place), and the audit log every record access writes."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from fastapi import Depends, Header, Request
from sqlalchemy import func
from sqlmodel import Session, select

from services.common.auth import CurrentPrincipal, Principal, Role, check_place
from services.common.db import utcnow
from services.common.errors import Forbidden
from services.common.ratelimit import check_device_rate
from services.health_hubs.audit.models import AuditEvent
from services.health_hubs.residents.models import Consent, Resident

RECORD_ROLES = (Role.centre_staff, Role.nurse)  # and admin; officials see aggregates only
AGGREGATE_ROLES = (Role.official, Role.centre_staff, Role.nurse)


@dataclass(frozen=True)
class Actor:
    """The caller of a request, with why they are asking (X-Purpose header) for the audit log."""

    principal: Principal
    purpose: str | None
    request_id: str | None

    @property
    def id(self) -> str:
        return self.principal.id

    @property
    def label(self) -> str:
        p = self.principal
        return f"{p.kind}:{p.username or p.id}"


def actor(*, roles: tuple[str, ...] = (), devices: tuple[str, ...] = ()):
    """A dependency admitting people of `roles` (admin always) or devices of `devices`, as an Actor."""

    def dependency(
        request: Request, principal: CurrentPrincipal,
        x_purpose: str | None = Header(default=None, max_length=80),
    ) -> Actor:
        if principal.kind == "device":
            if principal.device_kind not in devices:
                raise Forbidden("not allowed for this device", code="wrong_role")
            check_device_rate(request, principal)
        elif principal.role != Role.admin and principal.role not in roles:
            if principal.role == Role.official:
                raise Forbidden("officials see aggregates only", code="aggregates_only")
            raise Forbidden("not allowed for this role", code="wrong_role")
        return Actor(principal, x_purpose, getattr(request.state, "request_id", None))

    return Depends(dependency)


def current_consents(session: Session, resident_id: uuid.UUID) -> dict[str, Consent]:
    rows = session.exec(select(Consent).where(Consent.resident_id == resident_id).order_by(Consent.id)).all()
    return {row.kind: row for row in rows}  # the newest per kind wins


def has_consent(session: Session, resident_id: uuid.UUID, kind: str) -> bool:
    consent = current_consents(session, resident_id).get(kind)
    return bool(consent and consent.granted)


def check_resident_access(session: Session, actor: Actor, resident: Resident) -> None:
    """Staff: their centre's residents; nurses: their district's, if the resident agreed to share with the
    보건소; admins: any; officials: none (they never reach here)."""
    p = actor.principal
    check_place(p, centre_id=resident.centre_id, district=resident.district)
    if p.kind == "user" and p.role == Role.nurse and not has_consent(session, resident.id, "share_public_health"):
        raise Forbidden("the resident has not agreed to share with the public health centre",
                        code="no_sharing_consent")


def place_filter(actor: Actor, centre_col, district_col):
    """A WHERE clause limiting a listing to the caller's place (None: no limit)."""
    p = actor.principal
    if p.kind == "device":
        return centre_col == p.place
    if p.role == Role.centre_staff:
        return centre_col == p.centre_id
    if p.role == Role.nurse:
        return district_col == p.district
    return None


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
    from sqlalchemy import func

    rows = session.exec(select(AuditEvent.actor_id, AuditEvent.actor_role, AuditEvent.action,
                               func.count(), func.count(AuditEvent.resident_id.distinct()))
                        .where(AuditEvent.at >= since, AuditEvent.at < until)
                        .group_by(AuditEvent.actor_id, AuditEvent.actor_role, AuditEvent.action)).all()
    return [{"actor_id": a, "actor_role": r, "action": act, "events": n, "residents": m}
            for a, r, act, n, m in sorted(rows, key=lambda t: -t[3])]


def purge_audit(session: Session, *, before) -> int:
    from sqlalchemy import delete

    return session.execute(delete(AuditEvent).where(AuditEvent.at < before)).rowcount


def oldest_audit_event(session) -> datetime | None:
    """When the access log's oldest kept event happened (retention shows in the monthly review)."""
    return session.exec(select(func.min(AuditEvent.at))).one()
