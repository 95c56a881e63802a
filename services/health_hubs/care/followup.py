"""Follow-up lists as Simple's nurses use them (uncontrolled and not re-measured, missed 3 months, lost 12
months), the call results recorded on them and how many returned to care within 15 days of the first call."""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from services.common.errors import NotFound
from services.health_hubs.access import Actor, check_resident_access, in_scope
from services.health_hubs.audit.service import audit
from services.health_hubs.care.domain import (
    CALL_RESULTS,
    RETURN_TO_CARE_DAYS,
    UNCONTROLLED_REVISIT_DAYS,
    follow_up_kind,
    returned_to_care,
)
from services.health_hubs.care.models import FollowUpCall
from services.health_hubs.readings.domain import UNCONTROLLED_CATEGORIES
from services.health_hubs.readings.models import Reading
from services.health_hubs.residents.models import Resident

ORDER = {"uncontrolled": 0, "missed": 1, "lost": 2}


def follow_up_list(session: Session, *, actor: Actor, now: datetime, limit: int) -> list[dict]:
    last_visit = select(Reading.resident_id, func.max(Reading.measured_at).label("last_at")).where(
        Reading.deleted_at.is_(None)).group_by(Reading.resident_id).having(
        func.max(Reading.measured_at) <= now - timedelta(days=UNCONTROLLED_REVISIT_DAYS)).subquery()
    query = select(Resident, last_visit.c.last_at).join(last_visit, last_visit.c.resident_id == Resident.id).where(
        Resident.status == "active")
    query = in_scope(query, actor, centre=Resident.centre_id, district=Resident.district, resident=Resident.id)
    candidates = session.exec(query).all()
    ids = [r.id for r, _ in candidates]
    last_bp: dict = {}
    calls: dict = {}
    for chunk in range(0, len(ids), 500):
        part = ids[chunk:chunk + 500]
        for rid, cat, _ in session.exec(select(Reading.resident_id, Reading.category, Reading.measured_at).where(
                Reading.resident_id.in_(part), Reading.kind == "bp", Reading.deleted_at.is_(None))
                .order_by(Reading.measured_at)).all():
            last_bp[rid] = cat  # ordered by time: the newest wins
        for call in session.exec(select(FollowUpCall).where(FollowUpCall.resident_id.in_(part))
                                 .order_by(FollowUpCall.called_at)).all():
            calls.setdefault(call.resident_id, []).append(call)
    items = []
    for resident, last_at in candidates:
        kind = follow_up_kind(last_visit_at=last_at, last_bp_uncontrolled=last_bp.get(resident.id)
                              in UNCONTROLLED_CATEGORIES, now=now)
        mine = calls.get(resident.id, [])
        if kind is None or (mine and CALL_RESULTS[mine[-1].result][1]):  # moved / died: off the list
            continue
        items.append({"resident_id": resident.id, "resident_name": resident.family_name + resident.given_name,
                      "phone": resident.phone, "centre_id": resident.centre_id, "list_kind": kind,
                      "last_visit_at": last_at, "last_category": last_bp.get(resident.id),
                      "days_since_visit": int((now - last_at).total_seconds() // 86400), "calls": len(mine),
                      "last_call_result": mine[-1].result if mine else None,
                      "last_call_at": mine[-1].called_at if mine else None})
    items.sort(key=lambda i: (ORDER[i["list_kind"]], -i["days_since_visit"]))
    items = items[:limit]
    audit(session, actor, action="search", entity="resident", purpose="follow_up_calls",
          detail={"returned": len(items), "resident_ids": [str(i["resident_id"]) for i in items][:100]})
    return items


def return_to_care(session: Session, *, actor: Actor, now: datetime, period_days: int) -> dict:
    """Of residents first called in the last `period_days`, how many were measured within 15 days of that call."""
    query = select(FollowUpCall.resident_id, func.min(FollowUpCall.called_at)).group_by(FollowUpCall.resident_id)
    query = in_scope(query, actor, centre=FollowUpCall.centre_id, district=FollowUpCall.district,
                     resident=FollowUpCall.resident_id)
    firsts = {rid: at for rid, at in session.exec(query).all() if at >= now - timedelta(days=period_days)}
    returned = 0
    for rid, first_at in firsts.items():
        visits = session.exec(select(Reading.measured_at).where(
            Reading.resident_id == rid, Reading.deleted_at.is_(None), Reading.measured_at >= first_at,
            Reading.measured_at <= first_at + timedelta(days=RETURN_TO_CARE_DAYS))).all()
        returned += returned_to_care(first_call_at=first_at, visits=list(visits))
    return {"called": len(firsts), "returned_to_care": returned, "period_days": period_days}


def record_call(session: Session, *, resident_id: uuid.UUID, list_kind: str, result: str, note: str | None,
                actor: Actor, now: datetime) -> FollowUpCall:
    resident = session.get(Resident, resident_id)
    if resident is None:
        raise NotFound("no such resident", code="resident_not_found")
    check_resident_access(session, actor, resident)
    call = FollowUpCall(resident_id=resident.id, centre_id=resident.centre_id, district=resident.district,
                        list_kind=list_kind, result=result, note=note, called_at=now, called_by=actor.label)
    session.add(call)
    session.flush()
    audit(session, actor, action="create", entity="follow_up_call", entity_id=call.id, resident_id=resident.id,
          purpose="follow_up_calls", detail={"result": result})
    return call
