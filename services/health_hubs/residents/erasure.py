"""Erasure on request (PIPA Art. 36 and 37(5)): a resident's identifying data and health records leave the database
in the request's one transaction; what stays is that it happened.

Removed: the resident row (name, jamo name key, birth date, sex, phone), card/QR token hashes, consents,
duplicate-queue entries and merge history (its snapshots hold names), readings, alerts and referrals -- for the
record and every duplicate merged into it (one person). Free-text `reason`s are dropped from the person's audit
events (a merge reason may name someone).
Kept: the audit log's events (who read what, when, why -- the access log PIPA's safety standard asks for), which
name the resident only by the random UUID; and one `resident_erasure` row per erased id (when, by whom, a reason
code, row counts), so a retry answers the same and a late kiosk backlog for the id is refused.
Not kept: any count for past months. The indicators are computed from the rows, so a month already reported is
counted again without the erased person (the figure moves by at most one resident per erasure); we keep no
per-person trace to hold it still, which is the point of erasing.
"""

import uuid
from datetime import datetime

from sqlalchemy import delete, or_
from sqlmodel import Session, select

from services.common.auth import Role, check_place
from services.common.errors import Forbidden, NotFound
from services.health_hubs.access import Actor
from services.health_hubs.audit.models import AuditEvent
from services.health_hubs.audit.service import audit
from services.health_hubs.care.models import Alert, AlertAction, FollowUpCall, Notification, Referral
from services.health_hubs.readings.models import Reading
from services.health_hubs.residents.models import (
    Consent,
    DuplicateCandidate,
    Resident,
    ResidentErasure,
    ResidentMerge,
    ResidentToken,
)
from services.health_hubs.residents.schemas import ErasureRead

ERASERS = (Role.centre_staff, Role.admin)  # the resident's own centre (and admins); not nurses, not devices
FREE_TEXT_DETAIL_KEYS = ("reason", "outcome_note", "note")
MAX_MERGE_DEPTH = 10


def erased(session: Session, ids) -> set[uuid.UUID]:
    """Which of `ids` were erased."""
    ids = list(ids)
    if not ids:
        return set()
    return set(session.exec(select(ResidentErasure.resident_id).where(ResidentErasure.resident_id.in_(ids))).all())


def erasure_of(session: Session, resident_id: uuid.UUID) -> ResidentErasure | None:
    return session.get(ResidentErasure, resident_id)


def _check_eraser(actor: Actor, *, centre_id: str, district: str) -> None:
    p = actor.principal
    if p.kind != "user" or p.role not in ERASERS:
        raise Forbidden("only the resident's centre staff or an admin can erase a record", code="wrong_role")
    check_place(p, centre_id=centre_id, district=district)


def _answer(session: Session, row: ResidentErasure, *, replayed: bool) -> ErasureRead:
    group = session.exec(select(ResidentErasure.resident_id).where(
        ResidentErasure.erasure_id == row.erasure_id).order_by(ResidentErasure.resident_id)).all()
    return ErasureRead(resident_id=row.resident_id, erasure_id=row.erasure_id, erased_ids=list(group),
                       reason=row.reason, erased_at=row.erased_at, erased_by=row.erased_by, removed=row.removed,
                       replayed=replayed)


def _replay(session: Session, actor: Actor, resident_id: uuid.UUID) -> ErasureRead | None:
    row = session.exec(select(ResidentErasure).where(ResidentErasure.resident_id == resident_id)
                       .execution_options(populate_existing=True)).first()
    if row is None:
        return None
    _check_eraser(actor, centre_id=row.centre_id, district=row.district)
    return _answer(session, row, replayed=True)


def _group(session: Session, resident: Resident) -> list[uuid.UUID]:
    """The record and every record merged into it, transitively (a merge says they are one person)."""
    group, frontier = [resident.id], [resident.id]
    for _ in range(MAX_MERGE_DEPTH):
        frontier = list(session.exec(select(Resident.id).where(Resident.merged_into_id.in_(frontier),
                                                               Resident.id.not_in(group))).all())
        if not frontier:
            break
        group += frontier
    return group


def erase(session: Session, *, resident_id: uuid.UUID, reason: str, actor: Actor, now: datetime) -> ErasureRead:
    """Erases the resident (and records merged into it); a retry answers the first erasure and changes nothing.
    The resident rows are locked first, so a concurrent kiosk ingest (which takes FOR KEY SHARE on them) either
    lands before and is erased too, or waits and then finds the resident gone."""
    done = _replay(session, actor, resident_id)
    if done is not None:
        return done
    resident = session.exec(select(Resident).where(Resident.id == resident_id).with_for_update()
                            .execution_options(populate_existing=True)).first()
    if resident is None:
        done = _replay(session, actor, resident_id)  # a concurrent erasure committed while we waited
        if done is not None:
            return done
        raise NotFound("no such resident", code="resident_not_found")
    for _ in range(MAX_MERGE_DEPTH):  # a merged record is part of the person it was merged into
        if resident.status != "merged" or resident.merged_into_id is None:
            break
        parent = session.exec(select(Resident).where(Resident.id == resident.merged_into_id).with_for_update()
                              ).first()
        if parent is None:
            break
        resident = parent
    _check_eraser(actor, centre_id=resident.centre_id, district=resident.district)
    group = _group(session, resident)
    session.exec(select(Resident.id).where(Resident.id.in_(group)).with_for_update()).all()

    reading_ids = select(Reading.id).where(Reading.resident_id.in_(group)).scalar_subquery()
    removed: dict[str, int] = {}

    def gone(table, *where) -> None:
        removed[table.__tablename__] = session.execute(delete(table).where(*where)).rowcount or 0

    alert_ids = select(Alert.id).where(or_(Alert.resident_id.in_(group), Alert.reading_id.in_(reading_ids))
                                       ).scalar_subquery()
    gone(AlertAction, AlertAction.alert_id.in_(alert_ids))  # notes staff wrote about the person
    gone(Notification, Notification.alert_id.in_(alert_ids))  # the escalation messages sent about them
    gone(FollowUpCall, FollowUpCall.resident_id.in_(group))
    gone(Alert, or_(Alert.resident_id.in_(group), Alert.reading_id.in_(reading_ids)))
    gone(Referral, Referral.resident_id.in_(group))
    gone(Reading, Reading.resident_id.in_(group))
    gone(ResidentToken, ResidentToken.resident_id.in_(group))
    gone(Consent, Consent.resident_id.in_(group))
    gone(DuplicateCandidate, or_(DuplicateCandidate.resident_id.in_(group),
                                 DuplicateCandidate.candidate_id.in_(group)))
    gone(ResidentMerge, or_(ResidentMerge.kept_id.in_(group), ResidentMerge.merged_id.in_(group)))
    gone(Resident, Resident.id.in_(group))
    scrubbed = 0
    for event in session.exec(select(AuditEvent).where(AuditEvent.resident_id.in_(group))).all():
        if any(k in event.detail for k in FREE_TEXT_DETAIL_KEYS):
            event.detail = {k: v for k, v in event.detail.items() if k not in FREE_TEXT_DETAIL_KEYS}
            session.add(event)
            scrubbed += 1
    removed["audit_event_free_text"] = scrubbed

    erasure_id = uuid.uuid4()
    rows = [ResidentErasure(resident_id=rid, erasure_id=erasure_id, centre_id=resident.centre_id,
                            district=resident.district, reason=reason, erased_at=now, erased_by=actor.label,
                            removed=removed) for rid in group]
    session.add_all(rows)
    session.flush()
    audit(session, actor, action="erase", entity="resident", entity_id=resident.id, resident_id=resident.id,
          purpose=reason, detail={"erasure_id": str(erasure_id), "records": len(group), "removed": removed})
    main = next(r for r in rows if r.resident_id == resident_id) if resident_id in group else rows[0]
    return _answer(session, main, replayed=False)
