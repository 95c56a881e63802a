"""Use cases of boarding by face: riders, consent and templates, cards, boarding decisions, ridership.
Functions take the session, flush and never commit; the gallery index follows the database after commit."""

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
from sqlalchemy import delete, event, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from services.common.citytime import CITY_ZONE
from services.common.errors import Conflict, DomainError, NotFound, Unprocessable
from services.transit.boarding import domain, faces
from services.transit.boarding.domain import Concession, Decision, IdentifyPolicy
from services.transit.boarding.gallery import GalleryIndex, notify_change, resync_rider
from services.transit.boarding.models import (
    Boarding,
    Card,
    FaceChange,
    FaceConsent,
    FaceErasureAttempt,
    FaceTemplate,
    Rider,
)
from services.transit.boarding.schemas import BoardingEvent
from services.transit.boarding.templates import seal, template_cipher


def thresholds(settings) -> domain.Thresholds:
    return domain.Thresholds(
        verify=settings.boarding_verify_threshold, mismatch=settings.boarding_mismatch_threshold,
        identify=settings.boarding_identify_threshold,
        identify_gallery=settings.boarding_identify_gallery_threshold, margin=settings.boarding_identify_margin,
    )


def _after_commit(session: Session, action) -> None:
    """Runs `action` once the outermost transaction has committed (savepoints fire after_commit too)."""
    pending = session.info.setdefault("boarding_after_commit", [])
    if not session.info.get("boarding_listening"):
        session.info["boarding_listening"] = True

        def run(s):
            if s.in_nested_transaction():  # a savepoint's commit: the outer transaction goes on
                return
            actions, s.info["boarding_after_commit"] = list(s.info["boarding_after_commit"]), []
            for fn in actions:
                fn()

        event.listen(session, "after_commit", run)
    pending.append(action)


# ---- riders and faces -----------------------------------------------------------------------------------


PURPOSES = ("card_check", "identification")


def birth_date_hmac(settings, birth_date: date) -> str:
    """The date of birth is never stored: only a keyed hash, to check the person's own answer at erasure."""
    key = settings.boarding_template_key.encode()
    return hmac.new(key, b"birth_date:" + birth_date.isoformat().encode(), hashlib.sha256).hexdigest()


def create_rider(session: Session, *, reference: str | None, mobility_needs: bool, regular_routes: list[str],
                 now: datetime, birth_date: date | None = None, settings=None) -> Rider:
    if reference and session.scalars(select(Rider.id).where(Rider.reference == reference)).first():
        raise Conflict("a rider with this reference exists", code="rider_exists")
    rider = Rider(reference=reference, mobility_needs=mobility_needs,
                  regular_routes=sorted(set(regular_routes)), created_at=now,
                  birth_date_hmac=birth_date_hmac(settings, birth_date) if birth_date and settings else None)
    session.add(rider)
    session.flush()
    return rider


def get_rider(session: Session, rider_id: uuid.UUID) -> Rider:
    rider = session.get(Rider, rider_id)
    if rider is None:
        raise NotFound("no such rider", code="rider_not_found")
    return rider


def rider_view(session: Session, rider: Rider, *, now: datetime, model_id: str | None = None) -> dict:
    rows = session.execute(select(FaceTemplate.expires_at, FaceTemplate.model_id)
                           .where(FaceTemplate.rider_id == rider.id, FaceTemplate.expires_at > now)).all()
    current = [r.expires_at for r in rows if model_id is None or r.model_id == model_id]
    consents = session.scalars(select(FaceConsent).where(FaceConsent.rider_id == rider.id)
                               .order_by(FaceConsent.given_at)).all()
    standing = {c.purpose for c in consents if c.withdrawn_at is None}
    return {**rider.model_dump(exclude={"birth_date_hmac"}), "face_enrolled": bool(current),
            "templates": len(current), "face_expires_at": max(current, default=None),
            "needs_reenrolment": bool(rows) and not current,
            "consent_card_check": "card_check" in standing, "consent_identification": "identification" in standing,
            "consents": [c.model_dump() for c in consents]}


def _resync_after_commit(session: Session, index: GalleryIndex, settings, rider_id: uuid.UUID, now: datetime):
    """The index follows the database only once it has committed: a follower never reads a state that a
    rollback could undo, and never puts back what a commit removed."""
    engine = session.get_bind()
    _after_commit(session, lambda: resync_rider(index, engine, settings, rider_id, now=now))


def enrol_face(session: Session, *, rider_id: uuid.UUID, photos: list[bytes], consent_version: str,
               channel: str, settings, index: GalleryIndex, now: datetime,
               card_check: bool = True, identification: bool = False) -> dict:
    """Replaces the rider's templates with those of 1-3 photos of one face; photos are never kept. Consent is
    recorded per purpose: `card_check` always (it is what enrolment is for), `identification` only if asked."""
    if not 1 <= len(photos) <= 3:
        raise Unprocessable("send 1 to 3 photos", code="photo_count")
    embedder = faces.embedder_for(settings)
    gate = faces.gate_for(settings)
    found = []
    for i, data in enumerate(photos):
        try:
            frame = faces.read_frame(data, max_bytes=settings.boarding_max_image_bytes,
                                     max_pixels=settings.boarding_max_image_pixels,
                                     detect_max_side=settings.boarding_detect_max_side, embedder=embedder,
                                     min_face_px=settings.boarding_detect_min_face_px)
            found.append(faces.enrolment_face(frame, min_face_px=settings.boarding_min_face_px, gate=gate))
        except faces.BadPhoto as exc:
            raise faces.BadPhoto(f"photo {i + 1}: {exc.detail}", code=exc.code) from None
    if not card_check:
        raise Unprocessable("the rider's consent to the card check is needed to keep a face", code="consent_required")
    rider = get_rider(session, rider_id)  # after the face work: no transaction is held during it
    encodings = np.array([f.encoding for f in found])
    if len(encodings) > 1:
        spread = max(domain.distances(encodings, e).max() for e in encodings)
        if spread > settings.boarding_mismatch_threshold:
            raise Unprocessable("the photos do not show the same person", code="photos_differ")
    session.execute(delete(FaceTemplate).where(FaceTemplate.rider_id == rider.id))
    session.execute(update(FaceConsent).where(FaceConsent.rider_id == rider.id, FaceConsent.withdrawn_at.is_(None))
                 .values(withdrawn_at=now))
    consents = [FaceConsent(rider_id=rider.id, purpose=p, version=consent_version, channel=channel, given_at=now)
                for p in (PURPOSES if identification else PURPOSES[:1])]
    session.add_all(consents)
    session.flush()
    cipher = template_cipher(settings.boarding_template_key)
    expires_at = now + timedelta(days=settings.boarding_template_validity_days)
    for face in found:
        session.add(FaceTemplate(rider_id=rider.id, consent_id=consents[0].id, template_enc=seal(cipher, face.encoding,
                                 rider.id), key_id=settings.boarding_template_key_id, model_id=embedder.model_id,
                                 face_px=face.size_px, created_at=now, expires_at=expires_at))
    notify_change(session, rider.id, "enrol", now=now)
    session.flush()
    _resync_after_commit(session, index, settings, rider.id, now)
    return {"rider_id": rider.id, "templates": len(found), "model_id": embedder.model_id,
            "consent": consents[0].model_dump(), "consents": [c.model_dump() for c in consents],
            "expires_at": expires_at}


def set_identification_consent(session: Session, *, rider_id: uuid.UUID, given: bool, consent_version: str | None,
                               channel: str, settings, index: GalleryIndex, now: datetime) -> dict:
    """Gives or withdraws the consent to card-less identification alone; the card check stands either way."""
    rider = get_rider(session, rider_id)
    standing = session.scalars(select(FaceConsent).where(FaceConsent.rider_id == rider.id,
                                                         FaceConsent.withdrawn_at.is_(None))).all()
    card_check = next((c for c in standing if c.purpose == "card_check"), None)
    ident = next((c for c in standing if c.purpose == "identification"), None)
    if given and ident is None:
        if card_check is None:
            raise Conflict("enrol a face first", code="not_enrolled")
        session.add(FaceConsent(rider_id=rider.id, purpose="identification", version=consent_version or
                                card_check.version, channel=channel, given_at=now))
    elif not given and ident is not None:
        ident.withdrawn_at = now
    notify_change(session, rider.id, "consent", now=now)
    session.flush()
    _resync_after_commit(session, index, settings, rider.id, now)
    return rider_view(session, rider, now=now)


def erase_face(session: Session, *, rider_id: uuid.UUID, settings, index: GalleryIndex, now: datetime,
               channel: str = "staff", method: str = "staff", card_id: str | None = None,
               distance: float | None = None) -> dict:
    """Erases every template of the rider and withdraws every consent; this worker's index follows after the
    commit, other workers through the change log (NOTIFY on PostgreSQL). The attempt is recorded."""
    rider = get_rider(session, rider_id)
    erased = session.execute(delete(FaceTemplate).where(FaceTemplate.rider_id == rider.id)).rowcount
    session.execute(update(FaceConsent).where(FaceConsent.rider_id == rider.id, FaceConsent.withdrawn_at.is_(None))
                 .values(withdrawn_at=now))
    session.add(FaceErasureAttempt(rider_id=rider.id, card_id=card_id, method=method, outcome="erased",
                                   channel=channel, distance=distance, attempted_at=now))
    notify_change(session, rider.id, "erase", now=now)
    session.flush()
    _resync_after_commit(session, index, settings, rider.id, now)
    return {"rider_id": rider.id, "templates_erased": erased or 0, "erased_at": now}


THROTTLED = "too_many_attempts"
WRONG_PROOF = ("face_does_not_match", "birth_date_does_not_match")


def erasure_wait_s(session: Session, *, card_id: str, settings, now: datetime) -> int:
    """Seconds until this card may try erasure again: 0 unless `boarding_erasure_max_refusals` wrong proofs fell
    within the window. Counted in the database, so every worker and kiosk sees the same count."""
    since = now - timedelta(seconds=settings.boarding_erasure_window_s)
    refused = session.scalars(
        select(FaceErasureAttempt.attempted_at)
        .where(FaceErasureAttempt.card_id == card_id, FaceErasureAttempt.outcome == "refused",
               FaceErasureAttempt.reason.in_(WRONG_PROOF), FaceErasureAttempt.attempted_at > since)
        .order_by(FaceErasureAttempt.attempted_at.desc()).limit(settings.boarding_erasure_max_refusals)).all()
    if len(refused) < settings.boarding_erasure_max_refusals:
        return 0
    oldest = refused[-1] if refused[-1].tzinfo else refused[-1].replace(tzinfo=now.tzinfo)
    return max(1, int((oldest - since).total_seconds()) + 1)


def erase_by_person(session: Session, *, card_id: str, photo: bytes | None, birth_date: date | None, channel: str,
                    settings, index: GalleryIndex, now: datetime) -> dict:
    """Erasure at the kiosk by the person only: the card, and either their face matching the enrolment (the
    verify threshold, on every template of the configured model) or the date of birth given at enrolment.
    A refusal is recorded too and returned, not raised, so that its record commits."""
    method = "face" if photo else "card_birth_date"
    distance = None
    if photo is None and birth_date is None:
        raise Unprocessable("send a photo of your face or your date of birth", code="proof_missing")
    wait = erasure_wait_s(session, card_id=card_id, settings=settings, now=now)
    if wait > 0:  # guessing: recorded, not checked, and not counted (the window ends on its own)
        session.add(FaceErasureAttempt(card_id=card_id, method=method, outcome="refused", reason=THROTTLED,
                                       channel=channel, attempted_at=now))
        session.flush()
        return {"refused": THROTTLED, "retry_after_s": wait}
    if photo is not None:  # the face work first, outside any transaction; a bad photo writes nothing
        embedder = faces.embedder_for(settings)
        frame = faces.read_frame(photo, max_bytes=settings.boarding_max_image_bytes,
                                 max_pixels=settings.boarding_max_image_pixels,
                                 detect_max_side=settings.boarding_detect_max_side, embedder=embedder,
                                 min_face_px=settings.boarding_detect_min_face_px)
        face = faces.enrolment_face(frame, min_face_px=settings.boarding_min_face_px // 2)
    card = session.get(Card, card_id)

    def refuse(reason: str, rider_id=None) -> dict:
        session.add(FaceErasureAttempt(rider_id=rider_id, card_id=card_id, method=method, outcome="refused",
                                       reason=reason, channel=channel, distance=distance, attempted_at=now))
        session.flush()
        return {"refused": reason}

    if card is None or card.revoked_at is not None:
        return refuse("card_not_found")
    if photo is not None:
        held = index.templates_of(card.rider_id)
        if len(held) == 0:
            return refuse("not_enrolled", card.rider_id)
        distance = float(domain.distances(held, face.encoding).min())
        if distance > settings.boarding_verify_threshold:
            return refuse("face_does_not_match", card.rider_id)
    else:
        rider = get_rider(session, card.rider_id)
        if rider.birth_date_hmac is None or not hmac.compare_digest(rider.birth_date_hmac,
                                                                     birth_date_hmac(settings, birth_date)):
            return refuse("birth_date_does_not_match", card.rider_id)
    return erase_face(session, rider_id=card.rider_id, settings=settings, index=index, now=now, channel=channel,
                      method=method, card_id=card_id, distance=distance)


def purge_expired(session: Session, *, now: datetime) -> int:
    riders = session.scalars(select(FaceTemplate.rider_id).where(FaceTemplate.expires_at <= now).distinct()).all()
    if not riders:
        return 0
    purged = session.execute(delete(FaceTemplate).where(FaceTemplate.expires_at <= now)).rowcount
    for rider_id in riders:
        notify_change(session, rider_id, "purge", now=now)
    session.flush()
    return purged or 0


def prune_change_log(session: Session, *, now: datetime, keep: timedelta = timedelta(days=1)) -> int:
    return session.execute(delete(FaceChange).where(FaceChange.changed_at < now - keep)).rowcount or 0


# ---- cards ----------------------------------------------------------------------------------------------


def create_card(session: Session, *, card_id: str, rider_id: uuid.UUID, concession: str, now: datetime) -> Card:
    get_rider(session, rider_id)
    card = session.get(Card, card_id)
    if card is not None:
        if card.rider_id == rider_id and card.concession == concession and card.revoked_at is None:
            return card  # a kiosk's retry
        raise Conflict("this card is linked already", code="card_taken")
    card = Card(id=card_id, rider_id=rider_id, concession=concession, issued_at=now)
    session.add(card)
    session.flush()
    return card


def get_card(session: Session, card_id: str) -> Card:
    card = session.get(Card, card_id)
    if card is None or card.revoked_at is not None:
        raise NotFound("no such card", code="card_not_found")
    return card


def card_view(card: Card) -> dict:
    return {"card_id": card.id, "rider_id": card.rider_id, "concession": card.concession,
            "issued_at": card.issued_at, "revoked_at": card.revoked_at}


# ---- boarding -------------------------------------------------------------------------------------------


def _fingerprint(ev: BoardingEvent, frames: list[bytes]) -> str:
    h = hashlib.sha256()
    for part in (ev.bus_id, ev.route_id, ev.stop_id, ev.occurred_at.isoformat(), ev.card_id or ""):
        h.update(part.encode() + b"\x00")
    for data in frames:
        h.update(hashlib.sha256(data).digest())
    return h.hexdigest()


@dataclass(frozen=True)
class ClockCorrection:
    """A live boarding whose bus time lies outside the windows: decided and recorded at the server's time
    (`at`), the bus's time kept beside it; `code` is the stable reason, `skew_s` the bus's reported skew."""

    code: str
    at: datetime
    skew_s: float


def _answer(ev: BoardingEvent, outcome: domain.Outcome, *, concession: str, fare: domain.FareRule,
            needs_assistance: bool, attack: bool, granted: domain.ConcessionOutcome, at: datetime,
            clock: ClockCorrection | None) -> dict:
    return {
        "event_id": str(ev.event_id), "decision": outcome.decision.value,
        "rider_id": str(outcome.rider_id) if outcome.rider_id else None, "card_id": ev.card_id,
        "concession": str(concession), "concession_applied": granted.applied, "concession_reason": granted.reason,
        "driver_confirmation_allowed": granted.driver_may_confirm,
        "fare_krw": fare.fare_krw, "fare_source": fare.source,
        "needs_assistance": needs_assistance,
        "distance": round(outcome.distance, 4) if outcome.distance is not None else None,
        "margin": round(outcome.margin, 4) if outcome.margin is not None else None,
        "flagged": outcome.flagged, "reason": outcome.reason, "presentation_attack_suspected": attack,
        "occurred_at": at.isoformat(), "time_error": clock.code if clock else None,
        "device_occurred_at": ev.occurred_at.isoformat() if clock else None,
        "bus_skew_s": clock.skew_s if clock else None,
    }


def _active_concession(session: Session, rider_id: uuid.UUID) -> str:
    card = session.scalars(select(Card).where(Card.rider_id == rider_id, Card.revoked_at.is_(None))
                           .order_by(Card.issued_at.desc())).first()
    return card.concession if card is not None else Concession.none


def board(session: Session, *, ev: BoardingEvent, frames: list[bytes], device_id: str, settings,
          index: GalleryIndex, now: datetime, clock: ClockCorrection | None = None) -> dict:
    """One boarding decision; the same event_id again returns the first answer and records nothing. With
    `clock`, the boarding is decided and recorded at `clock.at` and the bus's `ev.occurred_at` kept beside it
    (the fingerprint stays the bus's, so its retry replays)."""
    fingerprint = _fingerprint(ev, frames)
    at = clock.at if clock else ev.occurred_at
    if len(frames) > 5:
        raise Unprocessable("at most 5 frames", code="too_many_frames")
    if not frames and not ev.card_id:
        raise Unprocessable("a boarding without a card needs at least one frame", code="no_frames")
    if at > now + timedelta(minutes=5):
        raise Unprocessable("occurred_at is in the future", code="occurred_at_in_future")

    # The face work comes before the first query, so no transaction (SQLite: no write lock) is held by it.
    embedder = faces.embedder_for(settings)
    analysed = [faces.read_frame(data, max_bytes=settings.boarding_max_image_bytes,
                                 max_pixels=settings.boarding_max_image_pixels,
                                 detect_max_side=settings.boarding_detect_max_side, embedder=embedder,
                                 min_face_px=settings.boarding_detect_min_face_px, largest_only=True,
                                 coarse_first=settings.boarding_detect_coarse_first,
                                 locate_first=settings.boarding_detect_locate_first)
                for data in frames]  # the door decides on each frame's largest face (the rider at the reader)
    existing = session.scalars(select(Boarding).where(Boarding.event_id == ev.event_id)).first()
    if existing is not None:
        return _replay(existing, fingerprint)
    usable = [(fr, fr.largest()) for fr in analysed]
    gate = faces.gate_for(settings, door=True)  # blurred, turned or tiny faces are not decided on
    usable = [(fr, face) for fr, face in usable if face is not None and gate.problem(face) is None]
    probes = np.array([face.encoding for _, face in usable]) if usable else np.empty((0, index.dim))
    liveness = domain.presentation_attack([fr.digest for fr in analysed], [face.landmarks for _, face in usable],
                                          min_motion=settings.boarding_liveness_min_motion,
                                          encodings=[face.encoding for _, face in usable],
                                          max_frame_distance=settings.boarding_liveness_max_frame_distance)
    th = thresholds(settings)
    rider = None
    if ev.card_id:  # 1:1: gather what the card and its holder's templates say, then decide (domain)
        card = session.get(Card, ev.card_id)
        if card is None or card.revoked_at is not None:
            facts = domain.CardFacts("unregistered" if card is None else "revoked")
            concession, per_frame = Concession.none, []
        else:
            concession = card.concession
            rider = session.get(Rider, card.rider_id)
            held = index.templates_of(card.rider_id)
            other_model = len(held) == 0 and session.scalars(select(FaceTemplate.id).where(
                FaceTemplate.rider_id == card.rider_id, FaceTemplate.model_id != index.model_id)).first() is not None
            facts = domain.CardFacts("active", rider_id=card.rider_id, templates=len(held),
                                     other_model_templates=other_model)
            per_frame = [float(domain.distances(held, p).min()) for p in probes] if len(held) else []
        outcome = domain.decide_with_card(facts, per_frame, th)
    else:  # 1:N where the policy allows it
        concession = Concession.none
        policy = settings.boarding_identify_policy
        allowed, found = False, []
        if policy != IdentifyPolicy.off and len(probes):
            route = ev.route_id if policy == IdentifyPolicy.route_regulars else None
            threshold = th.identify if policy == IdentifyPolicy.route_regulars else th.identify_gallery
            candidates = len(index.route_riders(route)) if route is not None else index.identifiable_riders()
            allowed = domain.identification_allowed(
                candidates, worst_group_fmr=settings.boarding_identify_worst_group_fmr,
                max_candidates=settings.boarding_identify_max_candidates,
                max_false_rate=settings.boarding_identify_max_false_rate)
            if allowed:  # nobody beyond threshold + margin can change the decision: the index may skip them
                found = [c for c in index.search(probes, route_id=route, radius=threshold + th.margin + 0.05)
                         if c is not None]
        outcome = domain.decide_without_card(policy, faces=len(probes), allowed=allowed, found=found, th=th)
        if outcome.decision == Decision.identified:
            rider = session.get(Rider, outcome.rider_id)
            concession = _active_concession(session, outcome.rider_id)
    outcome = domain.after_presentation_check(outcome, suspected=liveness.suspected, with_card=bool(ev.card_id))
    if outcome.reason == "presentation_attack_suspected" and not ev.card_id:
        rider, concession = None, Concession.none
    if outcome.decision == Decision.no_face and ev.card_id and rider is not None:
        outcome = domain.Outcome(Decision.no_face, rider_id=rider.id, reason=outcome.reason)
    granted = domain.concession_outcome(outcome.decision.value, str(concession))
    fare = domain.fare_for(concession if granted.applied else Concession.none, at)
    needs_assistance = bool(rider is not None and rider.mobility_needs)
    answer = _answer(ev, outcome, concession=concession, fare=fare, needs_assistance=needs_assistance,
                     attack=liveness.suspected, granted=granted, at=at, clock=clock)
    row = Boarding(
        event_id=ev.event_id, device_id=device_id, bus_id=ev.bus_id, route_id=ev.route_id, stop_id=ev.stop_id,
        occurred_at=at, device_occurred_at=ev.occurred_at if clock else None, received_at=now, card_id=ev.card_id,
        rider_id=outcome.rider_id,
        decision=outcome.decision.value, reason=outcome.reason, concession=str(concession), fare_krw=fare.fare_krw,
        concession_applied=granted.applied, concession_reason=granted.reason, needs_assistance=needs_assistance, distance=outcome.distance, margin=outcome.margin, frames=len(frames),
        faces=len(usable), presentation_attack=liveness.suspected, flagged=outcome.flagged,
        fingerprint=fingerprint, answer=answer,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # The same event_id raced in on another worker: its answer wins.
        first = session.scalars(select(Boarding).where(Boarding.event_id == ev.event_id)).first()
        return _replay(first, fingerprint)
    return answer


def confirm_by_driver(session: Session, *, event_id: uuid.UUID, device_id: str, place: str | None,
                      now: datetime) -> dict:
    """The driver looked at the rider and the card and confirms the concession from the door display: the
    boarding's fare becomes the concession fare, and the row keeps who confirmed and when (the audit)."""
    row = session.scalars(select(Boarding).where(Boarding.event_id == event_id)).first()
    if row is None or (place is not None and row.bus_id != place):
        raise NotFound("no such boarding on this bus", code="boarding_not_found")
    if row.driver_confirmed_at is not None:
        return row.answer  # the display's retry
    granted = domain.concession_outcome(row.decision, row.concession, driver_confirmed=True)
    if not row.answer.get("driver_confirmation_allowed") or not granted.applied:
        raise Conflict("this boarding needs no driver confirmation", code="confirmation_not_needed")
    fare = domain.fare_for(row.concession, row.occurred_at)
    row.driver_confirmed_at, row.driver_confirmed_by = now, device_id
    row.concession_applied, row.concession_reason, row.fare_krw = True, granted.reason, fare.fare_krw
    row.answer = {**row.answer, "concession_applied": True, "concession_reason": granted.reason,
                  "driver_confirmation_allowed": False, "fare_krw": fare.fare_krw, "fare_source": fare.source}
    session.flush()
    return row.answer


def _replay(existing: Boarding, fingerprint: str) -> dict:
    if existing.fingerprint != fingerprint:
        raise Conflict("this event_id was used for a different boarding", code="event_id_reused")
    return existing.answer


def board_batch(session: Session, *, events: list, frames: list[list[bytes]], device_id: str, settings,
                index: GalleryIndex, now: datetime) -> list[dict]:
    """A queue a bus kept while offline, already checked item by item (boarding/sync.py: an ItemError answers
    for itself); `frames[i]` are event i's frames. Events are decided in the order they happened (occurred_at,
    then position) and answered in the order sent; one bad event does not sink the others (savepoint per
    event)."""
    results: list[dict | None] = [None] * len(events)
    valid = []
    for i, e in enumerate(events):
        if isinstance(e, BoardingEvent):
            valid.append(i)
        else:
            results[i] = {"index": i, "event_id": str(e.event_id) if e.event_id else None, "status": e.status,
                          "error": e.code, "detail": e.detail}
    for i in sorted(valid, key=lambda i: (events[i].occurred_at, i)):
        e = events[i]
        item = {"index": i, "event_id": str(e.event_id)}
        try:
            with session.begin_nested():
                answer = board(session, ev=e, frames=frames[i], device_id=device_id, settings=settings,
                               index=index, now=now)
            item.update(status=200, answer=answer)
        except DomainError as exc:
            item.update(status=exc.status_code, error=exc.code, detail=str(exc.detail))
        results[i] = item
    return results


# ---- review and ridership -------------------------------------------------------------------------------


def list_boardings(session: Session, *, flagged: bool | None, reviewed: bool | None, limit: int) -> list[Boarding]:
    query = select(Boarding).order_by(Boarding.occurred_at.desc()).limit(limit)
    if flagged is not None:
        query = query.where(Boarding.flagged == flagged)
    if reviewed is not None:
        query = query.where(Boarding.reviewed_at.is_not(None) if reviewed else Boarding.reviewed_at.is_(None))
    return list(session.scalars(query).all())


def review_boarding(session: Session, *, event_id: uuid.UUID, outcome: str, now: datetime) -> Boarding:
    row = session.scalars(select(Boarding).where(Boarding.event_id == event_id)).first()
    if row is None:
        raise NotFound("no such boarding", code="boarding_not_found")
    if not row.flagged:
        raise Conflict("this boarding was not flagged", code="not_flagged")
    row.reviewed_at, row.review_outcome = now, outcome
    session.flush()
    return row


def local_day_bounds(day_from: date, day_to: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day_from, time(0), tzinfo=CITY_ZONE)
    end = datetime.combine(day_to + timedelta(days=1), time(0), tzinfo=CITY_ZONE)
    return start, end


def _aggregate_rows(session: Session, start: datetime, end: datetime):
    return session.execute(
        select(Boarding.route_id, Boarding.stop_id, Boarding.occurred_at, Boarding.concession, Boarding.decision,
               Boarding.flagged, Boarding.review_outcome, Boarding.fare_krw)
        .where(Boarding.occurred_at >= start, Boarding.occurred_at < end)
    ).all()


def ridership(session: Session, *, day_from: date, day_to: date, min_cell: int = 5) -> dict:
    """Suppressed per day and across routes/stops/hours/concessions/decisions (boarding/aggregates.py)."""
    from services.transit.boarding.aggregates import ridership_answer

    start, end = local_day_bounds(day_from, day_to)
    return ridership_answer(_aggregate_rows(session, start, end), day_from=day_from, day_to=day_to,
                            min_cell=min_cell)


def day_figures(session: Session, *, day: date, until: datetime | None = None) -> dict:
    """Headline counts of one local day, for the overview: the same suppressed table as ridership. With `until`, only
    of the day up to that instant (the same time yesterday, so that a morning is not compared with all of yesterday)."""
    from services.transit.boarding.aggregates import day_figures_answer

    start, end = local_day_bounds(day, day)
    if until is not None:
        end = max(start, min(end, until))
    attacks = session.execute(select(func.count()).where(Boarding.occurred_at >= start, Boarding.occurred_at < end,
                                                         Boarding.presentation_attack.is_(True))).scalar() or 0
    return day_figures_answer(_aggregate_rows(session, start, end), attacks)


def awaiting_review(session: Session) -> int:
    return session.execute(select(func.count()).where(Boarding.flagged.is_(True),
                                                      Boarding.reviewed_at.is_(None))).scalar() or 0
