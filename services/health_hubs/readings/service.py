"""Kiosk readings: validate, average a sitting, classify, store idempotently, sync offline backlogs, and set off
alerts and referrals. One code path for a single reading and a batch."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import and_, func, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from services.common.auth import check_place
from services.common.db import insert_for
from services.common.errors import Conflict, DomainError, NotFound, Unprocessable
from services.health_hubs.access import Actor, in_scope
from services.health_hubs.audit.service import audit
from services.health_hubs.care import service as care
from services.health_hubs.centres.domain import district_of
from services.health_hubs.readings.domain import (
    ALERT_CATEGORIES,
    UNCONTROLLED_CATEGORIES,
    ReadingRejected,
    average_sitting,
    check_glucose,
    classify_reading,
)
from services.health_hubs.readings.models import DeviceClock, Reading, ReadingQuarantine
from services.health_hubs.readings.rules import RuleSet
from services.health_hubs.readings.schemas import BatchItem, ReadingIn
from services.health_hubs.readings.sync_rules import (
    ClockWindow,
    clock_verdict,
    item_error,
    suggested_time,
    winners,
)
from services.health_hubs.residents.erasure import erased
from services.health_hubs.residents.models import Consent, Resident

CHUNK = 500
STORED_OUTCOMES = ("created", "updated", "deleted", "unchanged", "stale", "ignored_deleted")


@dataclass
class Outcome:
    client_id: uuid.UUID | None
    # created | updated | deleted | unchanged | stale | ignored_deleted | quarantined | rejected (| replayed)
    outcome: str
    reading: Reading | None = None
    error: str | None = None
    detail: str | None = None
    alert_id: uuid.UUID | None = None
    index: int = 0
    quarantine: ReadingQuarantine | None = None
    row: dict | None = field(default=None, repr=False)  # a new row waiting for the batch's INSERT

    @property
    def category(self) -> str | None:
        if self.reading is not None:
            return self.reading.category
        return self.quarantine.category if self.quarantine is not None else None


@dataclass(frozen=True)
class Source:
    """Whose items these are: the kiosk (device id, its centre), its clock skew when it sent its clock
    (X-Device-Time), and whether staff confirmed the times (a quarantined item: the windows are not applied)."""

    device_id: str
    centre_id: str
    skew_s: float | None = None
    confirmed: bool = False


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


def parse_items(raw: list) -> list[BatchItem | Outcome]:
    """Each batch item validated on its own: a malformed one becomes a `rejected` Outcome with a stable code
    (sync_rules.item_error), so it cannot sink the others."""
    out: list[BatchItem | Outcome] = []
    for index, value in enumerate(raw):
        if not isinstance(value, dict):
            out.append(Outcome(None, "rejected", error="invalid_item", detail="an item must be a JSON object",
                               index=index))
            continue
        try:
            out.append(BatchItem.model_validate(value))
        except ValidationError as exc:
            code, detail = item_error(exc.errors(include_url=False, include_context=False))
            try:
                cid = uuid.UUID(str(value.get("client_id")))
            except ValueError:
                cid = None
            out.append(Outcome(cid, "rejected", error=code, detail=detail, index=index))
    return out


def _edited_at(item: BatchItem) -> datetime:
    return item.updated_at or item.measured_at


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


def _stored(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, Reading]:
    """The rows as stored now (populate_existing: never a stale copy from this session's identity map)."""
    out: dict[uuid.UUID, Reading] = {}
    for start in range(0, len(ids), CHUNK):
        for row in session.exec(select(Reading).where(Reading.id.in_(ids[start:start + CHUNK]))
                                .execution_options(populate_existing=True)).all():
            out[row.id] = row
    return out


def ingest(session: Session, *, items: list[BatchItem | Outcome], source: Source, actor: Actor, rules: RuleSet,
           settings, now: datetime) -> list[Outcome]:
    """Stores readings from one kiosk, one Outcome per item in order (README "Sync protocol"). New ids are
    inserted with INSERT .. ON CONFLICT DO NOTHING RETURNING id; an id a concurrent upload stored first is then
    treated as an edit of that row, so the newest device time is what stays and each answer is the stored state.
    An edit applies only if its device time is newer (a conditional UPDATE); a deleted record is never revived."""
    results: dict[int, Outcome] = {}
    valid: list[tuple[int, BatchItem]] = []
    for index, it in enumerate(items):
        if isinstance(it, Outcome):
            it.index = index
            results[index] = it
        else:
            valid.append((index, it))
    win, losers = winners(valid, _edited_at)
    existing = _stored(session, list(win))
    resident_ids = {item.resident_id for _, item in win.values()} | {r.resident_id for r in existing.values()}
    people = _eligible_residents(session, resident_ids)
    gone = erased(session, resident_ids - set(people))
    ctx = _Context(session=session, people=people, gone=gone, source=source, rules=rules, now=now,
                   window=ClockWindow.of(settings))
    for cid, (index, item) in win.items():
        results[index] = ctx.one(item, existing.get(cid), index)
    waiting = [o for o in results.values() if o.row is not None]
    if waiting:
        table = Reading.__table__
        stmt = insert_for(session, table).on_conflict_do_nothing(index_elements=["id"]).returning(table.c.id)
        inserted = set(session.execute(stmt, [o.row for o in waiting]).scalars().all())
        session.flush()
        raced = [o for o in waiting if o.client_id not in inserted]
        for o in waiting:
            o.row = None
        if raced:  # another upload of these ids committed first: ours is an edit of what it stored
            now_stored = _stored(session, [o.client_id for o in raced])
            for o in raced:
                _, item = win[o.client_id]
                old = now_stored.get(o.client_id)
                if old is None:  # stored and gone again (an erasure) between the two statements
                    results[o.index] = Outcome(o.client_id, "rejected", error="retry",
                                               detail="the record changed while this batch ran; send it again",
                                               index=o.index)
                else:
                    results[o.index] = ctx.one(item, old, o.index)
    stored = _stored(session, [o.client_id for o in results.values() if o.outcome in STORED_OUTCOMES])
    for o in results.values():
        if o.outcome in STORED_OUTCOMES:
            o.reading = stored.get(o.client_id)
    by_index = dict(valid)
    for index, cid in losers.items():  # older (or equal) copies of an id in the same batch
        _, item = win[cid]
        winner = results[win[cid][0]]
        same = _edited_at(item) == _edited_at(by_index[index])
        results[index] = Outcome(cid, "unchanged" if same else "stale", reading=winner.reading, index=index,
                                 quarantine=winner.quarantine)
    fresh = [o for o in results.values() if o.outcome in ("created", "updated") and o.reading is not None
             and o.index not in losers]
    _after_create(session, fresh, settings, now)
    if source.skew_s is not None:
        record_skew(session, device_id=source.device_id, centre_id=source.centre_id, skew_s=source.skew_s,
                    source="header", now=now)
    ordered = [results[i] for i in sorted(results)]
    counts: dict[str, int] = {}
    for o in ordered:
        counts[o.outcome] = counts.get(o.outcome, 0) + 1
    audit(session, actor, action="create", entity="reading", purpose="kiosk_measurement",
          detail={"counts": counts, "residents": sorted({str(i.resident_id) for _, i in valid})[:50]})
    return ordered


@dataclass
class _Context:
    session: Session
    people: dict
    gone: set
    source: Source
    rules: RuleSet
    now: datetime
    window: ClockWindow

    def one(self, item: BatchItem, old: Reading | None, index: int) -> Outcome:
        try:
            outcome = self._one(item, old)
        except ReadingRejected as exc:
            outcome = Outcome(item.client_id, "rejected", error=exc.code, detail=exc.detail)
        outcome.index = index
        return outcome

    def _person(self, resident_id: uuid.UUID) -> Resident:
        """Everything a create checks about the resident, and an edit again: not erased, active, consenting."""
        if resident_id in self.gone:  # erased on request: a late backlog must not recreate the person
            raise ReadingRejected("resident_erased", "this resident's record was erased on request; drop the reading")
        person = self.people.get(resident_id)
        if person is None or person[0].status != "active":
            raise ReadingRejected("resident_not_found", "no active resident with this id")
        if not person[1]:
            raise ReadingRejected("consent_required", "the resident has not consented to health data")
        return person[0]

    def _clock(self, item: BatchItem, values: dict | None, person: Resident | None) -> Outcome | None:
        if self.source.confirmed:
            return None
        verdict = clock_verdict(measured_at=item.measured_at, edited_at=_edited_at(item), now=self.now,
                                skew_s=self.source.skew_s, window=self.window)
        if verdict is None:
            return None
        return quarantine(self.session, item=item, reason=verdict, source=self.source,
                          category=(values or {}).get("category"), now=self.now)

    def _one(self, item: BatchItem, old: Reading | None) -> Outcome:
        cid, edited_at = item.client_id, _edited_at(item)
        values = None if item.deleted else measure_values(item, self.rules)  # bad values: rejected, never held
        if old is not None:
            if old.device_id != self.source.device_id:
                raise ReadingRejected("client_id_taken", "this client_id belongs to another device's record")
            if old.deleted_at is not None:
                return Outcome(cid, "ignored_deleted")
            if edited_at <= old.device_updated_at:
                return Outcome(cid, "unchanged" if edited_at == old.device_updated_at else "stale")
            if not item.deleted:  # a deletion is always allowed; a change is checked as a create is
                if item.resident_id != old.resident_id and not self._merged_into(item.resident_id, old.resident_id):
                    raise ReadingRejected("resident_change_refused", "an edit may not move a reading to another "
                                          "resident; delete it and record a new one")
                self._person(old.resident_id)
            held = self._clock(item, values, None)
            if held is not None:
                return held
            return _edit(self.session, item=item, old=old, values=values, edited_at=edited_at, now=self.now)
        person = self._person(item.resident_id)
        held = self._clock(item, values, person)
        if held is not None:
            return held
        if item.deleted:  # a record made and deleted offline: keep a tombstone so a late copy cannot revive it
            try:
                values = measure_values(item, self.rules)
            except ReadingRejected:
                values = {"category": "void", "rule_version": self.rules.version, "next_step": "none", "raw": [],
                          "flags": [], "protocol_complete": False}
            values["deleted_at"] = self.now
            outcome = "deleted"
        else:
            outcome = "created"
        row = {
            "id": cid, "resident_id": item.resident_id, "centre_id": self.source.centre_id,
            "home_centre_id": person.centre_id, "device_id": self.source.device_id, "kind": item.kind,
            "measured_at": item.measured_at, "device_updated_at": edited_at, "received_at": self.now,
            "updated_at": self.now, "deleted_at": None, "systolic": None, "diastolic": None, "map_mmhg": None,
            "pulse_bpm": None, "glucose_mg_dl": None, "meal_context": None, "sample_type": None, "meter_seq": None,
            **values,
        }
        return Outcome(cid, outcome, row=row)

    def _merged_into(self, resident_id: uuid.UUID, kept_id: uuid.UUID) -> bool:
        """A kiosk still holding a merged record's id edits the reading that moved to the kept record."""
        person = self.people.get(resident_id)
        if person is None:
            person = (self.session.get(Resident, resident_id), True)
        return person[0] is not None and person[0].merged_into_id == kept_id


def _edit(session, *, item: BatchItem, old: Reading, values: dict | None, edited_at, now) -> Outcome:
    """Applies a newer version: every column a create sets (kind included), or the tombstone. The WHERE keeps
    it exact under concurrency: a newer edit or a deletion that committed first makes this one `stale`."""
    if item.deleted:
        values = {"deleted_at": now}
    else:
        values = {**values, "kind": item.kind, "measured_at": item.measured_at}
    values.update(device_updated_at=edited_at, updated_at=now)
    result = session.execute(update(Reading).where(
        Reading.id == old.id, Reading.deleted_at.is_(None), Reading.device_updated_at < edited_at,
    ).values(**values))
    if result.rowcount == 0:  # a concurrent newer edit or deletion got there first
        current = _stored(session, [old.id]).get(old.id)
        if current is not None and current.deleted_at is not None:
            return Outcome(item.client_id, "ignored_deleted")
        same = current is not None and current.device_updated_at == edited_at
        return Outcome(item.client_id, "unchanged" if same else "stale")
    return Outcome(item.client_id, "deleted" if item.deleted else "updated")


def quarantine(session: Session, *, item: BatchItem, reason: str, source: Source, category: str | None,
               now: datetime) -> Outcome:
    """Holds an item whose device times are not believable; the same item again finds the same row."""
    table = ReadingQuarantine.__table__
    edited_at = _edited_at(item)
    stmt = insert_for(session, table).values(
        id=uuid.uuid4(), client_id=item.client_id, resident_id=item.resident_id, device_id=source.device_id,
        centre_id=source.centre_id, district=district_of(source.centre_id) or "", reason=reason,
        measured_at=item.measured_at, edited_at=edited_at, skew_s=source.skew_s,
        suggested_measured_at=suggested_time(item.measured_at, skew_s=source.skew_s, received_at=now),
        category=category, item=item.model_dump(mode="json"), received_at=now, status="open",
    ).on_conflict_do_nothing(index_elements=["device_id", "client_id", "edited_at"])
    session.execute(stmt)
    row = session.exec(select(ReadingQuarantine).where(
        ReadingQuarantine.device_id == source.device_id, ReadingQuarantine.client_id == item.client_id,
        ReadingQuarantine.edited_at == edited_at).execution_options(populate_existing=True)).one()
    return Outcome(item.client_id, "quarantined", error=reason, quarantine=row,
                   detail="the device time is outside the accepted window; staff will confirm it")


def record_skew(session: Session, *, device_id: str, centre_id: str, skew_s: float, source: str,
                now: datetime) -> None:
    values = {"device_id": device_id, "centre_id": centre_id, "district": district_of(centre_id) or "",
              "skew_s": skew_s, "source": source, "observed_at": now}
    stmt = insert_for(session, DeviceClock.__table__).values(**values)
    session.execute(stmt.on_conflict_do_update(index_elements=["device_id"], set_={
        k: stmt.excluded[k] for k in ("centre_id", "district", "skew_s", "source", "observed_at")}))


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


def single(session: Session, *, item: ReadingIn, actor: Actor, source: Source, rules: RuleSet, settings,
           now) -> Outcome:
    """POST /v1/readings: a first send records; a retry with the same client_id answers the stored reading."""
    old = session.get(Reading, item.client_id)
    if old is not None:  # a retry: answer what was stored, record nothing new
        if old.device_id != source.device_id:
            raise Conflict("this client_id belongs to another device's record", code="client_id_taken")
        return Outcome(item.client_id, "replayed", reading=old, alert_id=care.alert_of(session, reading_id=old.id))
    batch_item = BatchItem(**item.model_dump())
    outcome = ingest(session, items=[batch_item], source=source, actor=actor, rules=rules, settings=settings,
                     now=now)[0]
    if outcome.outcome == "rejected":
        if outcome.error == "resident_not_found":
            raise NotFound(outcome.detail, code=outcome.error)
        if outcome.error == "resident_erased":
            raise DomainError(outcome.detail, code=outcome.error, status_code=410)
        if outcome.error in ("consent_required", "client_id_taken", "retry"):
            raise Conflict(outcome.detail, code=outcome.error)
        raise Unprocessable(outcome.detail, code=outcome.error)
    if outcome.alert_id is None and outcome.reading is not None:
        outcome.alert_id = care.alert_of(session, reading_id=outcome.reading.id)
    return outcome


# ---- quarantine (device clocks) ----------------------------------------------------------------------------


def list_quarantine(session: Session, *, actor: Actor, status: str | None, limit: int) -> list[ReadingQuarantine]:
    query = select(ReadingQuarantine)
    query = in_scope(query, actor, centre=ReadingQuarantine.centre_id, district=ReadingQuarantine.district)
    if status:
        query = query.where(ReadingQuarantine.status == status)
    return list(session.exec(query.order_by(ReadingQuarantine.received_at.desc()).limit(limit)).all())


def _held(session: Session, quarantine_id: uuid.UUID, actor: Actor) -> ReadingQuarantine:
    row = session.exec(select(ReadingQuarantine).where(ReadingQuarantine.id == quarantine_id).with_for_update()
                       .execution_options(populate_existing=True)).first()
    if row is None:
        raise NotFound("no such quarantined reading", code="quarantine_not_found")
    check_place(actor.principal, centre_id=row.centre_id, district=row.district)
    if row.status != "open":
        raise Conflict(f"this quarantined reading was {row.status} already", code="quarantine_closed")
    return row


def confirm(session: Session, *, quarantine_id: uuid.UUID, measured_at: datetime | None, actor: Actor,
            rules: RuleSet, settings, now: datetime) -> tuple[ReadingQuarantine, Outcome]:
    """Staff confirm a held item: with the time they give, else the suggested one (the device time less the
    kiosk's skew, or the arrival time for a future time), else the device time. The item then goes through the
    same path as a kiosk's (every check, classification and alert; newest wins), its edit time shifted alike."""
    row = _held(session, quarantine_id, actor)
    chosen = measured_at or row.suggested_measured_at or row.measured_at
    if chosen > now + ClockWindow.of(settings).future:
        raise Unprocessable("give the time the reading was really taken", code="correct_time_required")
    chosen = min(chosen, now)
    shift = chosen - row.measured_at
    item = BatchItem.model_validate(row.item)
    item = item.model_copy(update={"measured_at": chosen,
                                   "updated_at": min(row.edited_at + shift, now) if item.updated_at else None})
    outcome = ingest(session, items=[item], source=Source(row.device_id, row.centre_id, confirmed=True),
                     actor=actor, rules=rules, settings=settings, now=now)[0]
    if outcome.outcome == "rejected":
        raise Conflict(outcome.detail, code=outcome.error)
    row.status, row.decided_at, row.decided_by, row.outcome = "confirmed", now, actor.label, outcome.outcome
    session.add(row)
    session.flush()
    if outcome.alert_id is None and outcome.reading is not None:
        outcome.alert_id = care.alert_of(session, reading_id=outcome.reading.id)
    audit(session, actor, action="update", entity="reading_quarantine", entity_id=row.id,
          resident_id=row.resident_id, purpose="device_clock_confirm",
          detail={"outcome": outcome.outcome, "measured_at": chosen.isoformat()})
    return row, outcome


def discard(session: Session, *, quarantine_id: uuid.UUID, actor: Actor, now: datetime) -> ReadingQuarantine:
    row = _held(session, quarantine_id, actor)
    row.status, row.decided_at, row.decided_by = "discarded", now, actor.label
    session.add(row)
    session.flush()
    audit(session, actor, action="update", entity="reading_quarantine", entity_id=row.id,
          resident_id=row.resident_id, purpose="device_clock_discard")
    return row


def device_clocks(session: Session, *, actor: Actor) -> list[dict]:
    """Per kiosk: the last skew it reported and how many of its items wait in quarantine."""
    clocks = select(DeviceClock)
    held = select(ReadingQuarantine.device_id, ReadingQuarantine.centre_id, ReadingQuarantine.district,
                  func.count()).where(ReadingQuarantine.status == "open")
    clocks = in_scope(clocks, actor, centre=DeviceClock.centre_id, district=DeviceClock.district)
    held = in_scope(held, actor, centre=ReadingQuarantine.centre_id, district=ReadingQuarantine.district)
    out = {c.device_id: {"device_id": c.device_id, "centre_id": c.centre_id, "skew_s": c.skew_s,
                         "source": c.source, "observed_at": c.observed_at, "quarantined_open": 0}
           for c in session.exec(clocks).all()}
    for device_id, centre_id, _district, n in session.exec(
            held.group_by(ReadingQuarantine.device_id, ReadingQuarantine.centre_id, ReadingQuarantine.district)):
        entry = out.setdefault(device_id, {"device_id": device_id, "centre_id": centre_id, "skew_s": None,
                                           "source": None, "observed_at": None, "quarantined_open": 0})
        entry["quarantined_open"] += n
    return sorted(out.values(), key=lambda e: (e["centre_id"], e["device_id"]))


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


def count_received(session: Session, *, since: datetime, until: datetime) -> int:
    """Readings received in [since, until) and not deleted (the overview's readings today)."""
    return session.exec(select(func.count()).select_from(Reading).where(
        Reading.received_at >= since, Reading.received_at < until, Reading.deleted_at.is_(None))).one()
