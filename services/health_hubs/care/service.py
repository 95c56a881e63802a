"""Alerts (crisis, hypoglycaemia) with acknowledgement, re-measure and escalation; referrals to the 보건소 with
status and outcome; the overdue list for follow-up calls."""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, select

from services.common.citytime import CITY_ZONE
from services.common.db import insert_for
from services.common.errors import Conflict, Forbidden, NotFound, Unprocessable
from services.health_hubs.access import Actor, check_resident_access, has_consent, in_scope
from services.health_hubs.audit.models import AuditEvent
from services.health_hubs.audit.service import audit, list_audit
from services.health_hubs.care.domain import ALERT_ACTIONS, next_escalation_at
from services.health_hubs.care.models import Alert, AlertAction, FollowUpCall, Referral
from services.health_hubs.care.notifications import escalate_overdue, notifications_of  # noqa: F401
from services.health_hubs.centres.domain import district_of
from services.health_hubs.readings.domain import UNCONTROLLED_CATEGORIES
from services.health_hubs.readings.models import Reading
from services.health_hubs.residents.models import Resident
from services.health_hubs.timeutil import local_day_start

# ---- alerts ------------------------------------------------------------------------------------------------


def raise_alert(session: Session, *, reading: Reading, kind: str, settings, now: datetime) -> uuid.UUID:
    alert_id = uuid.uuid4()
    stmt = insert_for(session, Alert.__table__).values(
        id=alert_id, resident_id=reading.resident_id, reading_id=reading.id, centre_id=reading.centre_id,
        district=district_of(reading.centre_id) or "", kind=kind, category=reading.category, status="open",
        created_at=now, ack_due_at=now + timedelta(minutes=settings.alert_ack_minutes), escalation_level=0,
        remeasure_due_at=reading.measured_at + timedelta(minutes=settings.remeasure_minutes),
    ).on_conflict_do_nothing(index_elements=["reading_id", "kind"])
    session.execute(stmt)
    return alert_of(session, reading_id=reading.id)


def alert_of(session: Session, *, reading_id: uuid.UUID) -> uuid.UUID | None:
    return session.exec(select(Alert.id).where(Alert.reading_id == reading_id)).first()


def alerts_awaiting_remeasure(session: Session, *, resident_ids: set, since: datetime) -> dict:
    """{resident_id: [(alert, measured_at of its reading)]} of alerts still waiting for their re-measure."""
    if not resident_ids:
        return {}
    rows = session.exec(
        select(Alert, Reading.measured_at).join(Reading, Reading.id == Alert.reading_id).where(
            Alert.resident_id.in_(resident_ids), Alert.remeasure_reading_id.is_(None),
            Alert.remeasure_due_at >= since)
    ).all()
    out: dict = {}
    for alert, first_at in rows:
        out.setdefault(alert.resident_id, []).append((alert, first_at))
    return out


def link_remeasure(session: Session, *, reading: Reading, alerts: list) -> None:
    """The first reading of the same kind after an alert, within its re-measure window, is its re-measure."""
    kind = "bp_crisis" if reading.kind == "bp" else "hypoglycaemia"
    for alert, first_at in alerts:
        if (alert.kind == kind and alert.remeasure_reading_id is None and alert.reading_id != reading.id
                and first_at < reading.measured_at <= alert.remeasure_due_at):
            alert.remeasure_reading_id, alert.remeasure_category = reading.id, reading.category
            session.add(alert)


def with_open_referral(session: Session, *, resident_ids: set) -> set:
    if not resident_ids:
        return set()
    keys = session.exec(select(Referral.open_key).where(Referral.open_key.in_([str(r) for r in resident_ids])))
    return {uuid.UUID(k) for k in keys.all()}


def get_alert(session: Session, alert_id: uuid.UUID, actor: Actor) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound("no such alert", code="alert_not_found")
    p = actor.principal
    if p.role == "centre_staff" and p.centre_id != alert.centre_id:
        raise Forbidden("alert of another centre", code="wrong_place")
    if p.role == "nurse" and p.district != alert.district:
        raise Forbidden("alert of another district", code="wrong_place")
    if p.kind == "user" and p.role == "nurse" and not has_consent(session, alert.resident_id, "share_public_health"):
        raise Forbidden("the resident has not agreed to share with the public health centre",
                        code="no_sharing_consent")
    return alert


def _review_list(session: Session, model, *, actor: Actor, status: str | None, limit: int, newest_by, entity: str,
                 purpose: str) -> list:
    """A page of alerts or referrals the caller may see (in_scope), by status, newest first; the search is audited."""
    query = in_scope(select(model), actor, centre=model.centre_id, district=model.district, resident=model.resident_id)
    if status:
        query = query.where(model.status == status)
    rows = list(session.exec(query.order_by(newest_by.desc()).limit(limit)).all())
    audit(session, actor, action="search", entity=entity, purpose=purpose, detail={"returned": len(rows)})
    return rows


def list_alerts(session: Session, *, actor: Actor, status: str | None, limit: int) -> list[Alert]:
    return _review_list(session, Alert, actor=actor, status=status, limit=limit, newest_by=Alert.created_at,
                        entity="alert", purpose="alert_review")


def acknowledge(session: Session, *, alert_id: uuid.UUID, actor: Actor, now: datetime) -> Alert:
    alert = get_alert(session, alert_id, actor)
    result = session.execute(update(Alert).where(Alert.id == alert.id, Alert.status == "open").values(
        status="acknowledged", acknowledged_at=now, acknowledged_by=actor.label))
    if result.rowcount == 0:
        raise Conflict(f"alert is {alert.status}", code="alert_not_open")
    session.expire(alert)
    audit(session, actor, action="update", entity="alert", entity_id=alert.id, resident_id=alert.resident_id,
          purpose="alert_response", detail={"status": "acknowledged"})
    return session.get(Alert, alert_id)


def resolve(session: Session, *, alert_id: uuid.UUID, outcome: str, actor: Actor, now: datetime) -> Alert:
    alert = get_alert(session, alert_id, actor)
    result = session.execute(update(Alert).where(Alert.id == alert.id, Alert.status.in_(("open", "acknowledged")))
                             .values(status="resolved", resolved_at=now, resolved_by=actor.label, outcome=outcome,
                                     acknowledged_at=alert.acknowledged_at or now,
                                     acknowledged_by=alert.acknowledged_by or actor.label))
    if result.rowcount == 0:
        raise Conflict("alert already resolved", code="alert_resolved")
    session.expire(alert)
    audit(session, actor, action="update", entity="alert", entity_id=alert.id, resident_id=alert.resident_id,
          purpose="alert_response", detail={"status": "resolved"})
    return session.get(Alert, alert_id)


def record_action(session: Session, *, alert_id: uuid.UUID, action: str, note: str | None, actor: Actor,
                  now: datetime) -> Alert:
    """What was done about an alert (ALERT_ACTIONS). Recording one acknowledges an open alert: somebody is on it."""
    if action not in ALERT_ACTIONS:
        raise Unprocessable(f"unknown action {action!r}", code="unknown_action")
    alert = get_alert(session, alert_id, actor)
    if alert.status == "resolved":
        raise Conflict("alert already resolved", code="alert_resolved")
    session.execute(update(Alert).where(Alert.id == alert.id, Alert.status == "open").values(
        status="acknowledged", acknowledged_at=now, acknowledged_by=actor.label))
    session.add(AlertAction(alert_id=alert.id, action=action, note=note, at=now, by=actor.label))
    session.flush()
    session.expire(alert)
    audit(session, actor, action="update", entity="alert", entity_id=alert.id, resident_id=alert.resident_id,
          purpose="alert_response", detail={"action": action})
    return session.get(Alert, alert_id)


def alert_views(session: Session, alerts: list[Alert]) -> list[dict]:
    """Alerts with what the workspace shows beside them: the reading, what was done, who was told and when
    the next escalation falls due."""
    ids = [a.id for a in alerts]
    notes = notifications_of(session, ids)
    actions: dict = {}
    readings: dict = {}
    if ids:
        for act in session.exec(select(AlertAction).where(AlertAction.alert_id.in_(ids)).order_by(AlertAction.id)):
            actions.setdefault(act.alert_id, []).append(act)
        for r in session.exec(select(Reading).where(Reading.id.in_([a.reading_id for a in alerts]))):
            readings[r.id] = r
    out = []
    for a in alerts:
        r = readings.get(a.reading_id)
        out.append({**a.model_dump(),
                    "reading": None if r is None else {"kind": r.kind, "systolic": r.systolic,
                                                       "diastolic": r.diastolic, "glucose_mg_dl": r.glucose_mg_dl,
                                                       "measured_at": r.measured_at, "category": r.category},
                    "next_escalation_at": next_escalation_at(status=a.status, level=a.escalation_level,
                                                             ack_due_at=a.ack_due_at),
                    "actions": [x.model_dump() for x in actions.get(a.id, [])],
                    "notifications": [n.model_dump() for n in notes.get(a.id, [])]})
    return out


# ---- referrals ---------------------------------------------------------------------------------------------


def maybe_refer(session: Session, *, resident_id: uuid.UUID, settings, now: datetime) -> uuid.UUID | None:
    """Refers a resident after `referral_uncontrolled_count` uncontrolled sittings within the window. The unique
    open_key makes a second open referral impossible even under concurrent ingest."""
    since = now - timedelta(days=settings.referral_window_days)
    evidence = session.exec(select(Reading.id, Reading.systolic, Reading.diastolic).where(
        Reading.resident_id == resident_id, Reading.kind == "bp", Reading.deleted_at.is_(None),
        Reading.category.in_(UNCONTROLLED_CATEGORIES), Reading.measured_at >= since,
    ).order_by(Reading.measured_at.desc())).all()
    if len(evidence) < settings.referral_uncontrolled_count:
        return None
    resident = session.get(Resident, resident_id)
    return _open_referral(session, resident=resident, reason=f"{settings.referral_window_days}일 동안 혈압 조절 안 됨 "
                          f"{len(evidence)}번",  # Korean first: staff and nurses read it
                          evidence=[{"reading_id": str(r[0]), "bp": f"{r[1]}/{r[2]}"} for r in evidence[:10]],
                          created_by="system", settings=settings, now=now)


def _open_referral(session: Session, *, resident: Resident, reason: str, evidence: list, created_by: str,
                   settings, now: datetime) -> uuid.UUID | None:
    referral_id = uuid.uuid4()
    stmt = insert_for(session, Referral.__table__).values(
        id=referral_id, resident_id=resident.id, open_key=str(resident.id), centre_id=resident.centre_id,
        district=resident.district, reason=reason, evidence=evidence, status="requested", requested_at=now,
        due_at=now + timedelta(days=settings.referral_accept_days), created_by=created_by,
    ).on_conflict_do_nothing(index_elements=["open_key"]).returning(Referral.__table__.c.id)
    return session.execute(stmt).scalar_one_or_none()  # None: an open referral already exists


def create_referral(session: Session, *, resident_id: uuid.UUID, reason: str, actor: Actor, settings,
                    now: datetime) -> Referral:
    resident = session.get(Resident, resident_id)
    if resident is None:
        raise NotFound("no such resident", code="resident_not_found")
    check_resident_access(session, actor, resident)
    referral_id = _open_referral(session, resident=resident, reason=reason, evidence=[], created_by=actor.label,
                                 settings=settings, now=now)
    if referral_id is None:
        raise Conflict("the resident already has an open referral", code="referral_open")
    audit(session, actor, action="create", entity="referral", entity_id=referral_id, resident_id=resident.id,
          purpose="referral")
    return session.get(Referral, referral_id)


TRANSITIONS = {"accepted": "requested", "completed": "accepted"}


def change_referral(session: Session, *, referral_id: uuid.UUID, status: str, outcome: str | None,
                    outcome_note: str | None, actor: Actor, settings, now: datetime, visited_on=None) -> Referral:
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise NotFound("no such referral", code="referral_not_found")
    check_resident_access(session, actor, session.get(Resident, referral.resident_id))
    if status == "completed" and not outcome:
        raise Unprocessable("a completed referral needs an outcome", code="outcome_required")
    if visited_on is not None:
        if status != "completed":
            raise Unprocessable("the visit is recorded when completing", code="visit_on_completion")
        since = (referral.accepted_at or referral.requested_at).astimezone(CITY_ZONE).date()
        if not since <= visited_on <= now.astimezone(CITY_ZONE).date():
            raise Unprocessable(f"the visit day must lie between {since} and today", code="bad_visit_day")
    values = {"status": status}
    if status == "accepted":
        values.update(accepted_at=now, accepted_by=actor.label,
                      due_at=now + timedelta(days=settings.referral_complete_days))
    else:
        values.update(completed_at=now, completed_by=actor.label, outcome=outcome, outcome_note=outcome_note,
                      visited_on=visited_on, open_key=None)
    result = session.execute(update(Referral).where(Referral.id == referral.id,
                                                    Referral.status == TRANSITIONS[status]).values(**values))
    if result.rowcount == 0:
        raise Conflict(f"cannot go from {referral.status} to {status}", code="bad_transition")
    session.expire(referral)
    audit(session, actor, action="update", entity="referral", entity_id=referral.id,
          resident_id=referral.resident_id, purpose="referral", detail={"status": status, "outcome": outcome})
    return session.get(Referral, referral_id)


def list_referrals(session: Session, *, actor: Actor, status: str | None, limit: int) -> list[Referral]:
    return _review_list(session, Referral, actor=actor, status=status, limit=limit, newest_by=Referral.requested_at,
                        entity="referral", purpose="referral_review")


def referral_worklist(session: Session, *, actor: Actor, limit: int) -> list[tuple[Referral, str | None]]:
    """The open referrals (requested, accepted) the caller may see, the soonest due first, each with its resident's
    name where the caller may open that record (a nurse: with the resident's consent to share with the 보건소),
    else None. Each name given is audited as a read of that resident's record, as opening it is: the worklist
    costs one request where it took one per resident."""
    query = in_scope(select(Referral), actor, centre=Referral.centre_id, district=Referral.district,
                     resident=Referral.resident_id).where(Referral.status.in_(("requested", "accepted")))
    rows = list(session.exec(query.order_by(Referral.due_at, Referral.id).limit(limit)).all())
    audit(session, actor, action="search", entity="referral", purpose="referral_review",
          detail={"returned": len(rows)})
    ids = {r.resident_id for r in rows}
    residents = {r.id: r for r in session.exec(select(Resident).where(Resident.id.in_(ids))).all()} if ids else {}
    names: dict[uuid.UUID, str | None] = {}
    for resident_id in dict.fromkeys(r.resident_id for r in rows):  # in the worklist's order
        resident = residents.get(resident_id)
        try:
            if resident is None:
                raise NotFound("no such resident", code="resident_not_found")
            check_resident_access(session, actor, resident)
        except (Forbidden, NotFound):
            names[resident_id] = None
            continue
        names[resident_id] = resident.family_name + resident.given_name
        audit(session, actor, action="read", entity="resident", entity_id=resident.id, resident_id=resident.id,
              purpose="referral")
    return [(r, names[r.resident_id]) for r in rows]


def overdue(session: Session, *, actor: Actor, now: datetime, limit: int) -> list[tuple[Referral, Resident]]:
    """Referrals past their due time (not accepted, or accepted and not completed): the call list."""
    query = select(Referral, Resident).join(Resident, Resident.id == Referral.resident_id).where(
        Referral.status.in_(("requested", "accepted")), Referral.due_at < now)
    query = in_scope(query, actor, centre=Referral.centre_id, district=Referral.district)
    rows = list(session.exec(query.order_by(Referral.due_at).limit(limit)).all())
    if actor.principal.role == "nurse":
        rows = [(f, r) for f, r in rows if has_consent(session, r.id, "share_public_health")]
    audit(session, actor, action="search", entity="referral", purpose="follow_up_calls",
          detail={"returned": len(rows), "resident_ids": [str(r.id) for _, r in rows][:100]})
    return rows


def count_alerts_raised(session: Session, *, since: datetime, until: datetime) -> int:
    """Alerts raised in [since, until) (the overview's alerts today)."""
    return session.exec(select(func.count()).select_from(Alert).where(
        Alert.created_at >= since, Alert.created_at < until)).one()


def count_waiting(session: Session, *, now: datetime) -> dict:
    crisis = session.exec(select(func.count()).select_from(Alert).where(Alert.status == "open")).one()
    escalated = session.exec(select(func.count()).select_from(Alert).where(
        Alert.status == "open", Alert.escalation_level > 0)).one()
    overdue_count = session.exec(select(func.count()).select_from(Referral).where(
        Referral.status.in_(("requested", "accepted")), Referral.due_at < now)).one()
    return {"alerts_waiting": crisis, "alerts_escalated": escalated, "referrals_overdue": overdue_count}



# ---- today at my centre ------------------------------------------------------------------------------------

ASKS_REMEASURE = ("remeasure", "call_119", "eat_sugar_tell_staff")  # next steps that say "measure again"


def centre_today(session: Session, *, actor: Actor, now: datetime) -> dict:
    """Residents measured today (Pohang's day) at the caller's place, and today's readings that asked for a
    re-measure that has not happened yet."""
    day_start = local_day_start(now)
    query = select(Reading, Resident).join(Resident, Resident.id == Reading.resident_id).where(
        Reading.measured_at >= day_start, Reading.measured_at <= now, Reading.deleted_at.is_(None))
    query = in_scope(query, actor, centre=Reading.centre_id, district=Resident.district, resident=Reading.resident_id)
    rows = session.exec(query.order_by(Reading.measured_at)).all()
    latest: dict = {}
    for reading, resident in rows:
        latest[(resident.id, reading.kind)] = (reading, resident)
    measured, waiting = {}, []
    for reading, resident in rows:
        item = {"resident_id": resident.id, "resident_name": resident.family_name + resident.given_name,
                "centre_id": reading.centre_id, "kind": reading.kind, "measured_at": reading.measured_at,
                "category": reading.category, "next_step": reading.next_step, "systolic": reading.systolic,
                "diastolic": reading.diastolic, "glucose_mg_dl": reading.glucose_mg_dl}
        measured[resident.id] = item  # the day's newest per resident
        newest, _ = latest[(resident.id, reading.kind)]
        if reading.next_step in ASKS_REMEASURE and newest.id == reading.id:
            waiting.append({**item, "minutes_ago": int((now - reading.measured_at).total_seconds() // 60)})
    audit(session, actor, action="search", entity="reading", purpose="centre_today",
          detail={"measured": len(measured), "waiting": len(waiting)})
    return {"day_start": day_start, "measured": sorted(measured.values(), key=lambda i: i["measured_at"],
                                                       reverse=True),
            "awaiting_remeasure": waiting}


# ---- a resident's record: timeline and access log -----------------------------------------------------------


def _open(session: Session, resident_id: uuid.UUID, actor: Actor) -> Resident:
    resident = session.get(Resident, resident_id)
    if resident is None or resident.status == "merged":
        raise NotFound("no such resident", code="resident_not_found")
    check_resident_access(session, actor, resident)
    return resident


def timeline(session: Session, *, resident_id: uuid.UUID, actor: Actor) -> list[dict]:
    """Alerts (with what was done), referrals and follow-up calls of one resident, newest first."""
    resident = _open(session, resident_id, actor)
    events: list[dict] = []
    alerts = list(session.exec(select(Alert).where(Alert.resident_id == resident.id)).all())
    for a in alert_views(session, alerts):
        events.append({"at": a["created_at"], "type": "alert", "code": a["kind"], "status": a["status"],
                       "detail": a["outcome"] or a["category"], "by": a["acknowledged_by"],
                       "extra": [x["action"] for x in a["actions"]]})
    for r in session.exec(select(Referral).where(Referral.resident_id == resident.id)).all():
        events.append({"at": r.requested_at, "type": "referral", "code": r.status, "status": r.status,
                       "detail": r.outcome or r.reason, "by": r.completed_by or r.accepted_by or r.created_by,
                       "extra": []})
    for c in session.exec(select(FollowUpCall).where(FollowUpCall.resident_id == resident.id)).all():
        events.append({"at": c.called_at, "type": "call", "code": c.result, "status": c.list_kind,
                       "detail": c.note, "by": c.called_by, "extra": []})
    audit(session, actor, action="read", entity="timeline", entity_id=resident.id, resident_id=resident.id,
          purpose="care")
    return sorted(events, key=lambda e: e["at"], reverse=True)


def access_log(session: Session, *, resident_id: uuid.UUID, actor: Actor, limit: int) -> list[AuditEvent]:
    """Who opened or changed this resident's record, when and why (PIPA: the resident may ask)."""
    resident = _open(session, resident_id, actor)
    rows = list_audit(session, resident_id=resident.id, limit=limit)
    audit(session, actor, action="read", entity="access_log", entity_id=resident.id, resident_id=resident.id,
          purpose="care")
    return rows
