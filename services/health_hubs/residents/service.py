"""Residents: search before register, register with consents and a card token, duplicates, merge, kiosk lookup."""

import hashlib
import secrets
import uuid
from datetime import date, datetime

from sqlalchemy import func, or_, update
from sqlmodel import Session, select

from services.common.auth import check_place
from services.common.citytime import CITY_ZONE
from services.common.errors import Conflict, Forbidden, NotFound, Unprocessable
from services.health_hubs.access import Actor, check_resident_access, current_consents, in_scope
from services.health_hubs.audit.service import audit
from services.health_hubs.care.models import Alert, Referral
from services.health_hubs.centres.domain import get_centre
from services.health_hubs.readings.models import Reading
from services.health_hubs.residents.domain import (
    LIKELY_DUPLICATE_SCORE,
    Person,
    initials,
    match_score,
    normalise_phone,
    plausible_birth_date,
    to_jamo,
)
from services.health_hubs.residents.erasure import erasure_of
from services.health_hubs.residents.models import (
    Consent,
    DuplicateCandidate,
    Resident,
    ResidentMerge,
    ResidentToken,
)
from services.health_hubs.residents.schemas import (
    Candidate,
    ConsentRead,
    ResidentCreate,
    ResidentRead,
    ResidentUpdate,
)

CONSENT_KINDS = ("health_data", "share_public_health", "reminders")
SEARCH_MIN_SCORE = 50.0


def token_hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()


def new_token() -> str:
    return "HH-" + secrets.token_urlsafe(12)


def read_model(session: Session, resident: Resident) -> ResidentRead:
    consents = {k: ConsentRead(granted=c.granted, version=c.version, recorded_at=c.recorded_at)
                for k, c in current_consents(session, resident.id).items()}
    return ResidentRead(**resident.model_dump(), consents=consents)


def _person(r: Resident) -> Person:
    return Person(r.family_name, r.given_name, r.birth_date, r.sex, r.phone, r.centre_id)


def _in_scope(actor: Actor, r: Resident) -> bool:
    p = actor.principal
    if p.role == "admin":
        return True
    if p.role == "centre_staff":
        return p.centre_id == r.centre_id
    if p.role == "nurse":
        return p.district == r.district
    return False


def find_candidates(session: Session, *, person: Person, actor: Actor, limit: int = 10,
                    exclude: uuid.UUID | None = None) -> list[tuple[Resident, float, list[str]]]:
    """Scores residents who share the birth year, the phone or the exact jamo name; the city is searched (a
    duplicate may be registered elsewhere), but out-of-place matches are shown masked."""
    year = person.birth_date.year
    conditions = [Resident.birth_date.between(date(year - 1, 1, 1), date(year + 1, 12, 31)),
                  Resident.name_key == to_jamo(person.family_name + person.given_name)]
    phone = normalise_phone(person.phone)
    if phone:
        conditions.append(Resident.phone == phone)
    rows = session.exec(select(Resident).where(Resident.status == "active", or_(*conditions))).all()
    scored = []
    for row in rows:
        if exclude is not None and row.id == exclude:
            continue
        score, reasons = match_score(person, _person(row))
        if score >= SEARCH_MIN_SCORE:
            scored.append((row, score, reasons))
    scored.sort(key=lambda t: -t[1])
    return scored[:limit]


def as_candidates(actor: Actor, found) -> list[Candidate]:
    out = []
    for r, score, reasons in found:
        shown = _in_scope(actor, r)
        out.append(Candidate(
            id=r.id, score=score, reasons=reasons, in_scope=shown, centre_id=r.centre_id,
            initials=initials(r.family_name, r.given_name), birth_year=r.birth_date.year,
            **({"family_name": r.family_name, "given_name": r.given_name, "birth_date": r.birth_date,
                "phone": r.phone} if shown else {}),
        ))
    return out


def search(session: Session, *, person: Person, actor: Actor) -> list[Candidate]:
    found = find_candidates(session, person=person, actor=actor)
    audit(session, actor, action="search", entity="resident", purpose="search_before_register",
          detail={"matches": len(found), "in_scope_ids": [str(r.id) for r, _, _ in found if _in_scope(actor, r)]})
    return as_candidates(actor, found)


def _check_may_register_at(actor: Actor, centre_id: str) -> str:
    centre = get_centre(centre_id)
    if centre is None:
        raise Unprocessable(f"unknown centre {centre_id}", code="unknown_centre")
    p = actor.principal
    if (p.role == "centre_staff" and p.centre_id != centre_id) or (p.role == "nurse" and p.district != centre.district):
        raise Forbidden("cannot register residents of another place", code="wrong_place")
    return centre.district


def record_consents(session: Session, *, resident_id: uuid.UUID, values: dict[str, bool], version: str,
                    actor: Actor, now: datetime) -> None:
    for kind, granted in values.items():
        session.add(Consent(resident_id=resident_id, kind=kind, granted=granted, version=version,
                            recorded_at=now, recorded_by=actor.label))


def issue_token(session: Session, *, resident: Resident, now: datetime) -> str:
    token = new_token()
    session.add(ResidentToken(token_hash=token_hash(token), resident_id=resident.id, issued_at=now))
    return token


def register(session: Session, *, data: ResidentCreate, actor: Actor, consent_version: str, now: datetime):
    if not plausible_birth_date(data.birth_date, today=now.astimezone(CITY_ZONE).date()):
        # the code the schema's validator gave it, so callers see no change
        raise Unprocessable("birth date must be between 1900 and today", code="validation_error")
    district = _check_may_register_at(actor, data.centre_id)
    person = Person(data.family_name.strip(), data.given_name.strip(), data.birth_date, data.sex, data.phone,
                    data.centre_id)
    found = find_candidates(session, person=person, actor=actor)
    likely = [t for t in found if t[1] >= LIKELY_DUPLICATE_SCORE]
    if likely and not data.confirm_new:
        audit(session, actor, action="search", entity="resident", purpose="search_before_register",
              detail={"matches": len(likely)})
        raise Conflict({"message": "likely duplicates found; search, or confirm_new to register anyway",
                        "candidates": [c.model_dump(mode="json") for c in as_candidates(actor, likely)]},
                       code="possible_duplicate")
    resident = Resident(
        family_name=person.family_name, given_name=person.given_name,
        name_key=to_jamo(person.family_name + person.given_name), birth_date=data.birth_date, sex=data.sex,
        phone=normalise_phone(data.phone), centre_id=data.centre_id, district=district, registered_at=now,
        updated_at=now, created_by=actor.label,
    )
    session.add(resident)
    session.flush()
    c = data.consents
    record_consents(session, resident_id=resident.id, version=c.version or consent_version, actor=actor, now=now,
                    values={"health_data": c.health_data, "share_public_health": c.share_public_health,
                            "reminders": c.reminders})
    token = issue_token(session, resident=resident, now=now)
    for other, score, reasons in likely:
        session.add(DuplicateCandidate(resident_id=resident.id, candidate_id=other.id, score=score,
                                       reasons=reasons, centre_id=resident.centre_id, district=district,
                                       created_at=now))
    session.flush()
    audit(session, actor, action="create", entity="resident", entity_id=resident.id, resident_id=resident.id,
          purpose="registration", detail={"possible_duplicates": len(likely)})
    return resident, token, as_candidates(actor, likely)


def get_resident(session: Session, resident_id: uuid.UUID, actor: Actor | None = None) -> Resident:
    """The resident, or 404. An erased record answers 404 resident_erased to callers of the place that held it
    (checked on what the erasure kept), and 403 to others, as the record did: erasing tells no one new anything."""
    resident = session.get(Resident, resident_id)
    if resident is None:
        tombstone = erasure_of(session, resident_id)
        if tombstone is not None:
            if actor is not None:
                check_place(actor.principal, centre_id=tombstone.centre_id, district=tombstone.district)
            raise NotFound("this resident's record was erased on request", code="resident_erased")
        raise NotFound("no such resident", code="resident_not_found")
    return resident


def open_resident(session: Session, *, resident_id: uuid.UUID, actor: Actor, purpose: str,
                  action: str = "read", entity: str = "resident") -> Resident:
    """Loads a resident the caller may see, and logs the access."""
    resident = get_resident(session, resident_id, actor)
    check_resident_access(session, actor, resident)
    audit(session, actor, action=action, entity=entity, entity_id=resident.id, resident_id=resident.id,
          purpose=purpose)
    return resident


def list_residents(session: Session, *, actor: Actor, centre_id: str | None, limit: int, offset: int):
    query = select(Resident).where(Resident.status != "merged")
    query = in_scope(query, actor, centre=Resident.centre_id, district=Resident.district)
    if centre_id:
        query = query.where(Resident.centre_id == centre_id)
    if actor.principal.role == "nurse":  # nurses see only residents who agreed to share with the 보건소
        shared = select(Consent.resident_id).where(Consent.kind == "share_public_health")
        query = query.where(Resident.id.in_(shared))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(Resident.registered_at, Resident.id).offset(offset).limit(limit)).all()
    if actor.principal.role == "nurse":
        rows = [r for r in rows if check_nurse_share(session, r)]
    audit(session, actor, action="search", entity="resident", purpose="list",
          detail={"centre_id": centre_id, "returned": len(rows)})
    return rows, total


def check_nurse_share(session: Session, resident: Resident) -> bool:
    consent = current_consents(session, resident.id).get("share_public_health")
    return bool(consent and consent.granted)


def update_resident(session: Session, *, resident_id: uuid.UUID, data: ResidentUpdate, actor: Actor,
                    now: datetime) -> Resident:
    resident = get_resident(session, resident_id, actor)
    check_resident_access(session, actor, resident)
    if resident.status == "merged":
        raise Conflict("this record was merged into another", code="resident_merged")
    changes = data.model_dump(exclude_unset=True)
    if "centre_id" in changes:
        resident.district = _check_may_register_at(actor, changes["centre_id"])
    for key, value in changes.items():
        if key == "phone":
            value = normalise_phone(value)
        setattr(resident, key, value)
    if "died_at" in changes:
        resident.status = "dead" if changes["died_at"] else "active"
    resident.name_key = to_jamo(resident.family_name + resident.given_name)
    resident.updated_at = now
    session.add(resident)
    session.flush()
    audit(session, actor, action="update", entity="resident", entity_id=resident.id, resident_id=resident.id,
          purpose="record_correction", detail={"fields": sorted(changes)})
    return resident


def change_consent(session: Session, *, resident_id: uuid.UUID, kind: str, granted: bool, version: str,
                   actor: Actor, now: datetime) -> Resident:
    resident = get_resident(session, resident_id, actor)
    p = actor.principal
    # withdrawing sharing must stay possible for the centre that holds the record; check place only
    check_place(p, centre_id=resident.centre_id, district=resident.district)
    record_consents(session, resident_id=resident.id, values={kind: granted}, version=version, actor=actor, now=now)
    session.flush()
    audit(session, actor, action="update", entity="consent", entity_id=resident.id, resident_id=resident.id,
          purpose="consent", detail={"kind": kind, "granted": granted, "version": version})
    return resident


def new_card(session: Session, *, resident_id: uuid.UUID, actor: Actor, now: datetime) -> str:
    """Revokes the resident's cards and issues a new token (a lost card)."""
    resident = open_resident(session, resident_id=resident_id, actor=actor, purpose="card_replacement",
                             action="update", entity="resident_token")
    session.execute(update(ResidentToken).where(ResidentToken.resident_id == resident.id,
                                                ResidentToken.revoked_at.is_(None)).values(revoked_at=now))
    return issue_token(session, resident=resident, now=now)


def identify(session: Session, *, token: str, actor: Actor) -> tuple[Resident, bool]:
    """The kiosk's lookup of a card/QR token; a merged record answers as the record it was merged into."""
    row = session.get(ResidentToken, token_hash(token))
    if row is None or row.revoked_at is not None:
        raise NotFound("unknown or revoked card", code="unknown_token")
    resident = get_resident(session, row.resident_id)
    for _ in range(5):
        if resident.status != "merged" or resident.merged_into_id is None:
            break
        resident = get_resident(session, resident.merged_into_id)
    if resident.status != "active":
        raise NotFound("unknown or revoked card", code="unknown_token")
    consents = current_consents(session, resident.id)
    can_measure = bool(consents.get("health_data") and consents["health_data"].granted)
    audit(session, actor, action="read", entity="resident", entity_id=resident.id, resident_id=resident.id,
          purpose="kiosk_identification")
    return resident, can_measure


def list_duplicates(session: Session, *, actor: Actor, status: str) -> list[DuplicateCandidate]:
    query = select(DuplicateCandidate).where(DuplicateCandidate.status == status)
    query = in_scope(query, actor, centre=DuplicateCandidate.centre_id, district=DuplicateCandidate.district)
    rows = session.exec(query.order_by(DuplicateCandidate.created_at)).all()
    audit(session, actor, action="search", entity="duplicate_candidate", purpose="duplicate_review",
          detail={"returned": len(rows)})
    return rows


def resolve_duplicate(session: Session, *, duplicate_id: int, decision: str, keep: str, reason: str,
                      actor: Actor, now: datetime) -> DuplicateCandidate:
    row = session.get(DuplicateCandidate, duplicate_id)
    if row is None:
        raise NotFound("no such duplicate", code="duplicate_not_found")
    if row.status != "open":
        raise Conflict("already resolved", code="duplicate_resolved")
    if decision == "merge":
        kept, merged = (row.resident_id, row.candidate_id) if keep == "resident" else (row.candidate_id,
                                                                                        row.resident_id)
        merge(session, kept_id=kept, merged_id=merged, reason=reason, actor=actor, now=now)
    else:
        for rid in (row.resident_id, row.candidate_id):
            check_resident_access(session, actor, get_resident(session, rid, actor))
        row.status, row.resolved_at, row.resolved_by = "distinct", now, actor.label
        session.add(row)
        audit(session, actor, action="update", entity="duplicate_candidate", entity_id=row.id,
              resident_id=row.resident_id, purpose="duplicate_review", detail={"decision": "distinct"})
    session.flush()
    session.refresh(row)
    return row


def merge(session: Session, *, kept_id: uuid.UUID, merged_id: uuid.UUID, reason: str, actor: Actor,
          now: datetime) -> ResidentMerge:
    """Folds `merged` into `kept`: readings, alerts, referrals and cards move; the merged record stays, marked,
    with a snapshot in the merge history, so the merge can be understood later."""
    if kept_id == merged_id:
        raise Unprocessable("cannot merge a record into itself", code="merge_self")
    kept, merged = get_resident(session, kept_id, actor), get_resident(session, merged_id, actor)
    for r in (kept, merged):
        check_resident_access(session, actor, r)
        if r.status == "merged":
            raise Conflict("record already merged", code="resident_merged")
    # the kept record's single open referral wins; the other is closed as part of the merge
    kept_open = session.exec(select(Referral).where(Referral.open_key == str(kept.id))).first()
    moved = {}
    if kept_open is not None:
        session.execute(update(Referral).where(Referral.open_key == str(merged.id)).values(
            open_key=None, status="completed", completed_at=now, completed_by=actor.label, outcome="other",
            outcome_note="closed by merge"))
    else:
        session.execute(update(Referral).where(Referral.open_key == str(merged.id)).values(open_key=str(kept.id)))
    for table, column in ((Reading, Reading.resident_id), (Alert, Alert.resident_id),
                          (Referral, Referral.resident_id), (ResidentToken, ResidentToken.resident_id)):
        result = session.execute(update(table).where(column == merged.id).values(resident_id=kept.id))
        moved[table.__tablename__] = result.rowcount
    session.execute(update(DuplicateCandidate).where(
        or_((DuplicateCandidate.resident_id == merged.id) & (DuplicateCandidate.candidate_id == kept.id),
            (DuplicateCandidate.resident_id == kept.id) & (DuplicateCandidate.candidate_id == merged.id)),
        DuplicateCandidate.status == "open",
    ).values(status="merged", resolved_at=now, resolved_by=actor.label))
    snapshot = merged.model_dump(mode="json")
    if merged.registered_at < kept.registered_at:  # the programme knew this person since the earlier date
        kept.registered_at = merged.registered_at
    if not kept.phone and merged.phone:
        kept.phone = merged.phone
    kept.updated_at = now
    merged.status, merged.merged_into_id, merged.updated_at = "merged", kept.id, now
    session.add(kept)
    session.add(merged)
    history = ResidentMerge(kept_id=kept.id, merged_id=merged.id, merged_at=now, merged_by=actor.label,
                            snapshot={**snapshot, "reason": reason}, moved=moved)
    session.add(history)
    session.flush()
    audit(session, actor, action="merge", entity="resident", entity_id=kept.id, resident_id=kept.id,
          purpose="duplicate_merge", detail={"merged_id": str(merged.id), "moved": moved, "reason": reason})
    return history


def merge_history(session: Session, *, resident_id: uuid.UUID) -> list[ResidentMerge]:
    return list(session.exec(select(ResidentMerge).where(
        or_(ResidentMerge.kept_id == resident_id, ResidentMerge.merged_id == resident_id)
    ).order_by(ResidentMerge.id)).all())


def count_active(session: Session, *, registered_before: datetime) -> int:
    """Active residents registered before an instant (the overview's residents, now and at the day's start)."""
    return session.exec(select(func.count()).select_from(Resident).where(
        Resident.status == "active", Resident.registered_at < registered_before)).one()
