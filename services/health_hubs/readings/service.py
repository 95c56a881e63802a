"""Kiosk readings: validate, average a sitting, classify, store idempotently, sync offline backlogs, and set off
alerts and referrals. One code path for a single reading and a batch."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from services.common.errors import Conflict, DomainError, NotFound, Unprocessable
from services.health_hubs.access import Actor, audit
from services.health_hubs.care import service as care
from services.health_hubs.common_sql import insert_for
from services.health_hubs.domain import (
    ALERT_CATEGORIES,
    UNCONTROLLED_CATEGORIES,
    ReadingRejected,
    average_sitting,
    check_glucose,
    classify_reading,
)
from services.health_hubs.models import Consent, Reading, Resident
from services.health_hubs.residents.erasure import erased
from services.health_hubs.rules import RuleSet
from services.health_hubs.schemas import BatchItem, ReadingIn

FUTURE_TOLERANCE = timedelta(minutes=10)
CHUNK = 500


@dataclass
class Outcome:
    client_id: uuid.UUID | None
    outcome: str  # created | updated | deleted | unchanged | stale | ignored_deleted | rejected
    reading: Reading | None = None
    error: str | None = None
    detail: str | None = None
    alert_id: uuid.UUID | None = None


def measure_values(item: ReadingIn, rules: RuleSet) -> dict:
    """The stored columns of one item: raw measurements kept, the sitting averaged, then classified.
    Raises ReadingRejected with a stable code."""
    if item.kind == "bp":
        if not item.bp:
            raise ReadingRejected("bp_missing", "a bp reading needs at least one measurement")
        sitting = average_sitting([m.model_dump() for m in item.bp], rules)
        values = {"systolic": sitting.systolic, "diastolic": sitting.diastolic, "map_mmhg": sitting.map_mmhg,
                  "pulse_bpm": sitting.pulse_bpm, "protocol_complete": sitting.protocol_complete,
                  "raw": [m.model_dump(mode="json") for m in item.bp], "flags": list(sitting.flags),
                  "glucose_mg_dl": None, "meal_context": None, "sample_type": None, "meter_seq": None}
    else:
        if item.glucose_mg_dl is None or item.meal_context is None:
            raise ReadingRejected("glucose_missing", "a glucose reading needs glucose_mg_dl and meal_context")
        check_glucose(item.glucose_mg_dl, item.sample_type or "unknown", rules)
        values = {"glucose_mg_dl": item.glucose_mg_dl, "meal_context": item.meal_context,
                  "sample_type": item.sample_type, "meter_seq": item.meter_seq, "protocol_complete": True,
                  "raw": [], "flags": [], "systolic": None, "diastolic": None, "map_mmhg": None,
                  "pulse_bpm": None}
    category, next_step = classify_reading(item.kind, values, rules)
    return {**values, "category": category, "rule_version": rules.version, "next_step": next_step}


def _eligible_residents(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, tuple[Resident, bool]]:
    """Resident -> (record, has health-data consent), for a batch in two queries."""
    if not ids:
        return {}
    # FOR KEY SHARE (PostgreSQL): an erasure, which locks the resident FOR UPDATE, waits for this batch or this
    # batch waits for it and then finds the resident gone
    residents = {r.id: r for r in session.exec(select(Resident).where(Resident.id.in_(ids))
                                               .with_for_update(read=True, key_share=True)).all()}
    consent = {}
    for row in session.exec(select(Consent).where(Consent.resident_id.in_(ids), Consent.kind == "health_data")
                            .order_by(Consent.id)).all():
        consent[row.resident_id] = row.granted
    return {rid: (r, consent.get(rid, False)) for rid, r in residents.items()}


def ingest(session: Session, *, items: list[BatchItem], actor: Actor, rules: RuleSet, settings,
           now: datetime) -> list[Outcome]:
    """Stores readings from one kiosk. New ids are inserted with INSERT .. ON CONFLICT DO NOTHING, so two
    concurrent retries record once; an edit applies only if its device time is newer (a conditional UPDATE), and
    a deleted record is never revived."""
    device = actor.principal
    outcomes: list[Outcome] = []
    ids = [i.client_id for i in items]
    existing: dict[uuid.UUID, Reading] = {}
    for start in range(0, len(ids), CHUNK):
        for row in session.exec(select(Reading).where(Reading.id.in_(ids[start:start + CHUNK]))).all():
            existing[row.id] = row
    people = _eligible_residents(session, {i.resident_id for i in items})
    gone = erased(session, {i.resident_id for i in items} - set(people))
    new_rows: list[dict] = []
    seen: set[uuid.UUID] = set()
    for item in items:
        if item.client_id in seen:
            outcomes.append(Outcome(item.client_id, "unchanged"))
            continue
        seen.add(item.client_id)
        try:
            outcome = _one(session, item=item, old=existing.get(item.client_id), people=people, gone=gone,
                           device=device, rules=rules, now=now, new_rows=new_rows)
        except ReadingRejected as exc:
            outcome = Outcome(item.client_id, "rejected", error=exc.code, detail=exc.detail)
        outcomes.append(outcome)
    if new_rows:
        stmt = insert_for(session, Reading.__table__).on_conflict_do_nothing(index_elements=["id"])
        session.execute(stmt, new_rows)
        session.flush()
        created_ids = [r["id"] for r in new_rows]
        stored = {}
        for start in range(0, len(created_ids), CHUNK):
            for row in session.exec(select(Reading).where(Reading.id.in_(created_ids[start:start + CHUNK]))).all():
                stored[row.id] = row
        by_id = {o.client_id: o for o in outcomes if o.outcome in ("created", "deleted") and o.reading is None}
        for cid, outcome in by_id.items():
            outcome.reading = stored.get(cid)
        _after_create(session, [o for o in by_id.values() if o.outcome == "created" and o.reading], settings, now)
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.outcome] = counts.get(o.outcome, 0) + 1
    audit(session, actor, action="create", entity="reading", purpose="kiosk_measurement",
          detail={"counts": counts, "residents": sorted({str(i.resident_id) for i in items})[:50]})
    return outcomes


def _one(session, *, item: BatchItem, old: Reading | None, people, gone, device, rules, now,
         new_rows) -> Outcome:
    if item.measured_at > now + FUTURE_TOLERANCE:
        raise ReadingRejected("device_time_in_future", "measured_at is in the future; check the kiosk clock")
    edited_at = item.updated_at or item.measured_at
    if old is not None:
        if old.device_id != device.id:
            raise ReadingRejected("client_id_taken", "this client_id belongs to another device's record")
        if old.deleted_at is not None:
            return Outcome(item.client_id, "ignored_deleted", reading=old)
        if edited_at <= old.device_updated_at:
            return Outcome(item.client_id, "unchanged" if edited_at == old.device_updated_at else "stale",
                           reading=old)
        return _edit(session, item=item, old=old, edited_at=edited_at, rules=rules, now=now)
    person = people.get(item.resident_id)
    if item.resident_id in gone:  # erased on request: a late backlog must not recreate the person
        raise ReadingRejected("resident_erased", "this resident's record was erased on request; drop the reading")
    if person is None or person[0].status != "active":
        raise ReadingRejected("resident_not_found", "no active resident with this id")
    if not person[1]:
        raise ReadingRejected("consent_required", "the resident has not consented to health data")
    if item.deleted:  # a record made and deleted offline: keep a tombstone so a late copy cannot revive it
        try:
            values = measure_values(item, rules)
        except ReadingRejected:
            values = {"category": "void", "rule_version": rules.version, "next_step": "none", "raw": [],
                      "flags": [], "protocol_complete": False}
        values["deleted_at"] = now
        outcome = "deleted"
    else:
        values = measure_values(item, rules)
        outcome = "created"
    new_rows.append({
        "id": item.client_id, "resident_id": item.resident_id, "centre_id": device.place, "device_id": device.id,
        "kind": item.kind, "measured_at": item.measured_at, "device_updated_at": edited_at, "received_at": now,
        "updated_at": now, "deleted_at": None, "systolic": None, "diastolic": None, "map_mmhg": None,
        "pulse_bpm": None, "glucose_mg_dl": None, "meal_context": None, "sample_type": None, "meter_seq": None,
        **values,
    })
    return Outcome(item.client_id, outcome)


def _edit(session, *, item: BatchItem, old: Reading, edited_at, rules, now) -> Outcome:
    if item.deleted:
        values = {"deleted_at": now}
    else:
        values = measure_values(item, rules)
        values["measured_at"] = item.measured_at
    values.update(device_updated_at=edited_at, updated_at=now)
    result = session.execute(update(Reading).where(
        Reading.id == old.id, Reading.deleted_at.is_(None), Reading.device_updated_at < edited_at,
    ).values(**values))
    if result.rowcount == 0:  # a concurrent newer edit or deletion got there first
        return Outcome(item.client_id, "stale", reading=old)
    session.expire(old)
    return Outcome(item.client_id, "deleted" if item.deleted else "updated", reading=session.get(Reading, old.id))


def _after_create(session: Session, created: list[Outcome], settings, now: datetime) -> None:
    """Alerts for crisis / hypoglycaemia, re-measure links for open alerts, referrals for repeated
    uncontrolled sittings. A few queries per batch, not per reading."""
    if not created:
        return
    residents = {o.reading.resident_id for o in created}
    pending = care.alerts_awaiting_remeasure(session, resident_ids=residents,
                                             since=min(o.reading.measured_at for o in created))
    for o in sorted(created, key=lambda o: o.reading.measured_at):
        reading = o.reading
        if pending.get(reading.resident_id):
            care.link_remeasure(session, reading=reading, alerts=pending[reading.resident_id])
        if reading.category in ALERT_CATEGORIES:
            o.alert_id = care.raise_alert(session, reading=reading, kind=ALERT_CATEGORIES[reading.category],
                                          settings=settings, now=now)
            pending.setdefault(reading.resident_id, []).extend(
                care.alerts_awaiting_remeasure(session, resident_ids={reading.resident_id},
                                               since=reading.measured_at).get(reading.resident_id, []))
    uncontrolled = {o.reading.resident_id for o in created if o.reading.category in UNCONTROLLED_CATEGORIES}
    for resident_id in uncontrolled - care.with_open_referral(session, resident_ids=uncontrolled):
        care.maybe_refer(session, resident_id=resident_id, settings=settings, now=now)


def single(session: Session, *, item: ReadingIn, actor: Actor, rules: RuleSet, settings, now) -> Outcome:
    """POST /v1/readings: a first send records; a retry with the same client_id answers the stored reading."""
    old = session.get(Reading, item.client_id)
    if old is not None:  # a retry: answer what was stored, record nothing new
        if old.device_id != actor.principal.id:
            raise Conflict("this client_id belongs to another device's record", code="client_id_taken")
        return Outcome(item.client_id, "replayed", reading=old, alert_id=care.alert_of(session, reading_id=old.id))
    batch_item = BatchItem(**item.model_dump())
    outcome = ingest(session, items=[batch_item], actor=actor, rules=rules, settings=settings, now=now)[0]
    if outcome.outcome == "rejected":
        if outcome.error == "resident_not_found":
            raise NotFound(outcome.detail, code=outcome.error)
        if outcome.error == "resident_erased":
            raise DomainError(outcome.detail, code=outcome.error, status_code=410)
        if outcome.error in ("consent_required", "client_id_taken"):
            raise Conflict(outcome.detail, code=outcome.error)
        raise Unprocessable(outcome.detail, code=outcome.error)
    if outcome.alert_id is None and outcome.reading is not None:
        outcome.alert_id = care.alert_of(session, reading_id=outcome.reading.id)
    return outcome


def list_readings(session: Session, *, resident_id: uuid.UUID, since: datetime | None, include_deleted: bool,
                  limit: int) -> list[Reading]:
    query = select(Reading).where(Reading.resident_id == resident_id)
    if not include_deleted:
        query = query.where(Reading.deleted_at.is_(None))
    if since is not None:
        query = query.where(Reading.measured_at >= since)
    return list(session.exec(query.order_by(Reading.measured_at.desc()).limit(limit)).all())


def reclassify(session: Session, *, rules: RuleSet, limit: int | None = None) -> dict:
    """Brings every reading classified under another rule version up to `rules`; returns counts."""
    query = select(Reading).where(Reading.rule_version != rules.version)
    if limit:
        query = query.limit(limit)
    changed, seen = 0, 0
    for reading in session.exec(query).all():
        seen += 1
        values = {"systolic": reading.systolic, "diastolic": reading.diastolic,
                  "protocol_complete": reading.protocol_complete, "glucose_mg_dl": reading.glucose_mg_dl,
                  "meal_context": reading.meal_context}
        if reading.category == "void":
            category, step = "void", "none"
        else:
            category, step = classify_reading(reading.kind, values, rules)
        changed += category != reading.category
        reading.category, reading.next_step, reading.rule_version = category, step, rules.version
        session.add(reading)
    session.flush()
    remaining = session.exec(sa_select(func.count()).select_from(Reading).where(
        and_(Reading.rule_version != rules.version))).one()[0]
    return {"reclassified": seen, "category_changed": changed, "remaining": remaining}
