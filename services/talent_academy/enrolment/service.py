"""Use cases of enrolment: learners, applications (seat or waitlist), withdrawals with promotion, offers,
and the jobs' bodies (offer expiry and reminders, reservation release, the outbox)."""

import uuid
from bisect import bisect_left, insort
from datetime import date, datetime

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session

from services.common.auth import Principal
from services.common.db import insert_for, insert_new_rows, utcnow
from services.common.errors import Conflict, DomainError, Forbidden, NotFound, Unprocessable
from services.talent_academy.access import sees_company
from services.talent_academy.catalogue import domain as catalogue_rules
from services.talent_academy.catalogue import service as catalogue
from services.talent_academy.catalogue.models import Course, Offering, SeatReservation
from services.talent_academy.enrolment import domain, seats
from services.talent_academy.enrolment.models import (
    ApplicantLink,
    Enrolment,
    Invitation,
    Learner,
    LearnerAccess,
    Notification,
)
from services.talent_academy.enrolment.schemas import EnrolmentRead, LearnerCreate

E = Enrolment


# ---- learners --------------------------------------------------------------------------------------------


def create_learner(session: Session, *, data: LearnerCreate) -> tuple[Learner, bool]:
    """Idempotent on the client-made id: the same id returns the stored learner, nothing new recorded."""
    if data.id is not None:
        existing = session.get(Learner, data.id)
        if existing is not None:
            return existing, False
    name = domain.clean_name(data.name)
    if name is None:
        raise Unprocessable("a name needs letters: not only spaces or control characters", code="invalid_name")
    learner = Learner(**data.model_dump(exclude={"id", "name"}), name=name, **({"id": data.id} if data.id else {}))
    if learner.consent_to_share:
        learner.consent_at = utcnow()
    session.add(learner)
    session.flush()
    return learner, True


def get_learner(session: Session, learner_id: uuid.UUID, *, principal: Principal | None = None) -> Learner:
    """A learner the caller may see: a partner sees the learners it sponsors; anyone else's is not found."""
    learner = session.get(Learner, learner_id)
    if learner is None or learner.erased_at is not None or not sees_company(principal, learner.sponsor_company_id):
        raise NotFound(f"learner {learner_id} not found", code="learner_not_found")
    return learner


def set_consent(session: Session, *, learner_id: uuid.UUID, consent: bool, now: datetime) -> Learner:
    from services.talent_academy.partners.models import Match

    learner = get_learner(session, learner_id)
    learner.consent_to_share, learner.consent_at = consent, now
    if not consent:  # withdrawn: no partner keeps a live proposal built on the shared profile
        session.execute(update(Match).where(Match.learner_id == learner_id,
                                            Match.status.in_(("proposed", "interview", "offer")))
                        .values(status="rejected", updated_at=now))
    session.flush()
    return learner


LIVE = ("waitlisted", "offered", "enrolled")
ERASED_BIRTH_DATE = date(1900, 1, 1)  # the erased record keeps no birth date; the column needs a value


def erase_learner(session: Session, *, learner_id: uuid.UUID, now: datetime) -> dict:
    """Erases the person, keeps the counts: a new random id (linked to nothing) takes over the enrolments
    and outcomes the indicators count; every personal field, free-text reason, score, open match,
    invitation and notification goes. Refused while a programme the learner is in has not ended."""
    from services.talent_academy.outcomes.models import Outcome  # noqa: F401  (outcomes follow the enrolment)
    from services.talent_academy.partners.models import Match

    learner = get_learner(session, learner_id)
    today = catalogue_rules.local_date(now)
    running = session.execute(select(Offering.code).join(E, E.offering_id == Offering.id).where(
        E.learner_id == learner_id, E.status.in_(LIVE), Offering.ends_on >= today)).scalars().all()
    if running:
        raise Conflict({"message": "the record can be erased after the programme ends", "offerings": running},
                       code="programme_running")
    anonymous = Learner(id=uuid.uuid4(), name="", birth_date=ERASED_BIRTH_DATE, residence="", skills=[],
                        consent_to_share=False, erased_at=now, created_at=now)
    session.add(anonymous)
    session.flush()
    mine = select(E.id).where(E.learner_id == learner_id).scalar_subquery()
    session.execute(delete(ApplicantLink).where(ApplicantLink.enrolment_id.in_(mine)))
    kept = session.execute(update(E).where(E.learner_id == learner_id).values(application_no=None,
        learner_id=anonymous.id, assessment_score=None, completion_reasons=[], missing_prerequisites=[])).rowcount
    removed = session.execute(delete(Match).where(Match.learner_id == learner_id, Match.status != "hired")).rowcount
    session.execute(update(Match).where(Match.learner_id == learner_id).values(learner_id=anonymous.id,
                                                                               explanation={}))
    session.execute(delete(Invitation).where(Invitation.learner_id == learner_id))
    session.execute(delete(Notification).where(Notification.learner_id == learner_id))
    session.expunge(learner)
    session.execute(delete(Learner).where(Learner.id == learner_id))
    session.flush()
    return {"learner_id": learner_id, "erased_at": now, "enrolments_kept_anonymous": kept,
            "matches_removed": removed}


def access_log(session: Session, *, learner_id: uuid.UUID | None, limit: int) -> list[LearnerAccess]:
    query = select(LearnerAccess).order_by(LearnerAccess.id.desc()).limit(limit)
    if learner_id is not None:
        query = query.where(LearnerAccess.learner_id == learner_id)
    return session.execute(query).scalars().all()


def _completed_courses_of(session: Session, learner_ids: list[uuid.UUID]) -> dict[uuid.UUID, frozenset[str]]:
    out: dict[uuid.UUID, set[str]] = {}
    for learner_id, course_id in session.execute(
            select(E.learner_id, Offering.course_id).join(Offering, E.offering_id == Offering.id)
            .where(E.learner_id.in_(learner_ids), E.completion_status == "completed")):
        out.setdefault(learner_id, set()).add(course_id)
    return {k: frozenset(v) for k, v in out.items()}


def completed_courses(session: Session, learner_id: uuid.UUID) -> frozenset[str]:
    return _completed_courses_of(session, [learner_id]).get(learner_id, frozenset())


def lift_locks(session: Session, *, learner_id: uuid.UUID) -> int:
    """After a completion: the learner's content-locked enrolments whose prerequisites are now all completed
    are unlocked (lock_content mode); the still-missing ones stay listed. Returns how many were unlocked."""
    done = completed_courses(session, learner_id)
    unlocked = 0
    for e in session.execute(select(E).where(E.learner_id == learner_id, E.content_locked.is_(True))).scalars():
        missing = sorted(set(e.missing_prerequisites) - done)
        e.missing_prerequisites = missing
        if not missing:
            e.content_locked = False
            unlocked += 1
    session.flush()
    return unlocked


def learning_path(session: Session, *, learner_id: uuid.UUID, target: str) -> list[dict]:
    get_learner(session, learner_id)
    course = catalogue.get_course(session, target)
    graph = catalogue.prerequisite_graph(session)
    path = catalogue_rules.learning_path(graph, course.id, completed_courses(session, learner_id))
    terms = {c.id: (c.term, c.title) for c in session.execute(select(Course).where(Course.id.in_(path))).scalars()}
    return [{"course_id": c, "term": terms[c][0], "title": terms[c][1]} for c in path]


# ---- applications ----------------------------------------------------------------------------------------


def _learner_rows(session: Session, offering_id: int, learner_ids) -> dict:
    """learner id -> (learner, their enrolment id in this offering or None, invited to it)."""
    rows = session.execute(
        select(Learner,
               select(E.id).where(E.offering_id == offering_id, E.learner_id == Learner.id).scalar_subquery(),
               select(Invitation.id).where(Invitation.offering_id == offering_id,
                                           Invitation.learner_id == Learner.id).exists())
        .where(Learner.id.in_(list(learner_ids)))).all()
    return {r[0].id: r for r in rows}


def _known_learner(row, learner_id: uuid.UUID, partner_company_id: str | None) -> Learner:
    learner = row[0] if row else None
    if learner is None or learner.erased_at is not None:
        raise NotFound(f"learner {learner_id} not found", code="learner_not_found")
    if partner_company_id is not None and learner.sponsor_company_id != partner_company_id:
        raise Forbidden("a partner may enrol only its own nominees", code="wrong_place")
    return learner


def _needs_history(offering: Offering, prerequisites: list[str]) -> bool:
    rules = offering.eligibility
    return bool(prerequisites or rules.get("requires_completed") or rules.get("excludes_completed"))


def _application(offering: Offering, learner: Learner, *, invited: bool, prerequisites: list[str],
                 completed: frozenset[str], source: str, now: datetime) -> Enrolment:
    """The refusals an application meets before anything is written (the window, eligibility, prerequisites that
    block), then the enrolment to write: enrolled on a general seat, the common answer, to be corrected (in the
    same transaction, before anyone can see the row) when the seat is a reserved one or there is none."""
    problem = catalogue_rules.window_problem(opens_at=offering.opens_at, closes_at=offering.closes_at, now=now)
    if problem:
        raise Conflict(f"applications open {offering.opens_at.isoformat()} and close {offering.closes_at.isoformat()}",
                       code=problem)
    rules = offering.eligibility
    facts = catalogue_rules.LearnerFacts(birth_date=learner.birth_date, residence=learner.residence,
                                         completed_courses=completed, invited=invited)
    failures = catalogue_rules.eligibility_failures(rules, facts, starts_on=offering.starts_on)
    if failures:
        raise Unprocessable(failures, code="not_eligible")
    missing = sorted(set(prerequisites) - completed)
    if missing and offering.prerequisite_mode == "block":
        raise Unprocessable({"message": "prerequisites not completed", "missing": missing},
                            code="prerequisites_missing")
    enrolment = E(offering_id=offering.id, learner_id=learner.id, source=source, applied_at=now,
                  priority_class=catalogue_rules.priority_class(rules, facts), content_locked=bool(missing),
                  missing_prerequisites=missing, status="enrolled", enrolled_at=now,
                  completion_reasons=[], created_at=now)  # given, not defaulted: pydantic inspects each factory
    _hold_seat(enrolment, "general", None, now)
    return enrolment


def _waitlist(enrolment: Enrolment, ticket: int) -> None:
    enrolment.status, enrolment.waitlist_seq, enrolment.enrolled_at = "waitlisted", ticket, None
    enrolment.seat_kind = enrolment.seat_claimed_at = None


def _row_values(enrolment: Enrolment) -> dict:
    return {c.name: getattr(enrolment, c.name) for c in E.__table__.columns if c.name != "id"}


def enrol(session: Session, *, offering_id: int, learner_id: uuid.UUID, source: str, now: datetime,
          partner_company_id: str | None = None) -> tuple[Enrolment, bool]:
    """One application: a seat if one is free for this learner, else a place on the waitlist.
    Idempotent per learner: a second call returns the first answer (and `False`).

    Everything that needs no lock is read and decided first; the enrolment row is inserted next (ON CONFLICT DO
    NOTHING on the unique (offering, learner) key settles a learner's concurrent requests: the second answers the
    first's row); only then does the seat move, by one conditional UPDATE of the offering (the
    waitlist ticket likewise), whose row lock lasts to the commit. The API takes the applications that arrive
    together as one batch (`enrol_many`, enrolment/batches.py), and comes here one by one when it cannot."""
    offering = catalogue.get_offering(session, offering_id)
    row = _learner_rows(session, offering_id, [learner_id]).get(learner_id)
    learner = _known_learner(row, learner_id, partner_company_id)
    if row[1] is not None:
        return session.get(E, row[1]), False  # a retry: the same answer, nothing new recorded
    prerequisites = catalogue.direct_prerequisites(session, offering.course_id)
    completed = completed_courses(session, learner_id) if _needs_history(offering, prerequisites) else frozenset()
    enrolment = _application(offering, learner, invited=bool(row[2]), prerequisites=prerequisites,
                             completed=completed, source=source, now=now)
    table = E.__table__
    new_id = session.execute(
        insert_for(session, table).values(_row_values(enrolment))
        .on_conflict_do_nothing(index_elements=[table.c.offering_id, table.c.learner_id]).returning(table.c.id)
    ).scalar()
    if new_id is None:  # the same learner's concurrent request got in first (PostgreSQL waited for its commit)
        return session.execute(select(E).where(E.offering_id == offering_id, E.learner_id == learner_id)).scalar_one(), False
    enrolment.id = new_id
    make_transient_to_detached(enrolment)  # the row as written: later changes are UPDATEs of it
    session.add(enrolment)
    seat_kind = seats.claim_seat(session, offering_id, company_id=learner.sponsor_company_id)
    if seat_kind == "reserved":
        _hold_seat(enrolment, seat_kind, learner.sponsor_company_id, now)
    elif seat_kind is None:
        if catalogue_rules.waitlist_frozen(starts_on=offering.starts_on, now=now):
            raise Conflict("the cohort has started: the waitlist is frozen", code="waitlist_frozen")
        ticket = seats.take_waitlist_ticket(session, offering_id)
        if ticket is None:
            raise Conflict(f"the offering is full and its waitlist of {offering.waitlist_cap} is full too",
                           code="waitlist_full")
        _waitlist(enrolment, ticket)
    session.flush()
    return enrolment, True


class OneByOne(Exception):
    """`enrol_many` cannot take this batch together (a sponsored nominee, whose seat may be their company's, or a
    learner whose other request got in first elsewhere): roll its savepoint back and call `enrol` for each."""


def enrol_many(session: Session, *, offering_id: int, applications: list[tuple[uuid.UUID, str, str | None]],
               now: datetime) -> list[tuple[EnrolmentRead, bool] | DomainError]:
    """Applications (learner id, source, partner company) that arrived together, answered in arrival order
    exactly as `enrol` would answer them one after another, with a fixed number of statements for the whole
    batch: the offering's row is locked first (FOR NO KEY UPDATE; SQLite's BEGIN IMMEDIATE), so its counters
    are read once and the batch's seats and tickets move by one conditional UPDATE; the enrolments go in one
    INSERT. Each answer is the enrolment (with its waitlist position) and whether it was created, or the
    refusal. Raises `OneByOne` (call it in a savepoint) when the batch must go one application at a time."""
    offering = seats.lock_offering(session, offering_id)
    rows = _learner_rows(session, offering_id, {a[0] for a in applications})
    if any(r[0].sponsor_company_id for r in rows.values()):
        raise OneByOne
    prerequisites = catalogue.direct_prerequisites(session, offering.course_id)
    history = _completed_courses_of(session, list(rows)) if _needs_history(offering, prerequisites) else {}
    free = offering.capacity - offering.reserved_open - offering.seats_taken
    room, ticket = offering.waitlist_cap - offering.waitlist_count, offering.waitlist_seq
    frozen = catalogue_rules.waitlist_frozen(starts_on=offering.starts_on, now=now)
    new: dict[uuid.UUID, Enrolment] = {}
    answers: list = []
    for learner_id, source, partner_company_id in applications:
        try:
            row = rows.get(learner_id)
            learner = _known_learner(row, learner_id, partner_company_id)
            if row[1] is not None or learner_id in new:  # a retry, or the same learner twice in this batch
                answers.append(learner_id)
                continue
            enrolment = _application(offering, learner, invited=bool(row[2]), prerequisites=prerequisites,
                                     completed=history.get(learner_id, frozenset()), source=source, now=now)
            if free > 0:
                free -= 1
            elif frozen:
                raise Conflict("the cohort has started: the waitlist is frozen", code="waitlist_frozen")
            elif room > 0:
                room, ticket = room - 1, ticket + 1
                _waitlist(enrolment, ticket)
            else:
                raise Conflict(f"the offering is full and its waitlist of {offering.waitlist_cap} is full too",
                               code="waitlist_full")
            new[learner_id] = enrolment
            answers.append((enrolment, True))
        except DomainError as exc:
            answers.append(exc)
    if new:
        table = E.__table__
        written = insert_new_rows(session, table, [_row_values(e) for e in new.values()],
                                  unique=["offering_id", "learner_id"], returning=["id", "learner_id"])
        if len(written) != len(new):
            raise OneByOne
        for new_id, learner_id in written:
            new[learner_id].id = new_id
        enrolled = sum(1 for e in new.values() if e.status == "enrolled")
        seats.take_many(session, offering_id, seats_n=enrolled, tickets_n=len(new) - enrolled)
    chosen = [item if isinstance(item, DomainError) else
              (item[0], True) if isinstance(item, tuple) else
              (new[item], False) if item in new else (session.get(E, rows[item][1]), False)
              for item in answers]
    # positions as each person would have been told one after another: those waiting before the batch, and
    # those of the batch who came earlier, ahead by priority class, then ticket
    waiting: list[tuple[int, int]] = []
    if any(not isinstance(c, DomainError) and c[0].status == "waitlisted" for c in chosen):
        waiting = sorted(tuple(r) for r in session.execute(select(E.priority_class, E.waitlist_seq).where(
            E.offering_id == offering_id, E.status == "waitlisted", E.id.not_in([e.id for e in new.values()]))))
    out: list = []
    for c in chosen:
        if isinstance(c, DomainError) or c[0].status != "waitlisted":
            out.append(c if isinstance(c, DomainError) else (read(session, c[0], None), c[1]))
            continue
        key = (c[0].priority_class, c[0].waitlist_seq)
        out.append((read(session, c[0], bisect_left(waiting, key) + 1), c[1]))
        if c[1]:
            insort(waiting, key)
    return out


def _hold_seat(enrolment: Enrolment, seat_kind: str, company_id: str | None, now: datetime) -> None:
    enrolment.seat_kind = seat_kind
    enrolment.seat_company_id = company_id if seat_kind == "reserved" else None
    enrolment.seat_claimed_at, enrolment.seat_released_at = now, None


def _free_seat(session: Session, enrolment: Enrolment, now: datetime) -> None:
    seats.release_seat(session, enrolment.offering_id, seat_kind=enrolment.seat_kind,
                       company_id=enrolment.seat_company_id)
    enrolment.seat_released_at = now


def position(session: Session, enrolment: Enrolment) -> int | None:
    if enrolment.status != "waitlisted":
        return None
    ahead = session.execute(select(func.count()).select_from(E).where(
        E.offering_id == enrolment.offering_id, E.status == "waitlisted",
        or_(E.priority_class < enrolment.priority_class,
            and_(E.priority_class == enrolment.priority_class, E.waitlist_seq < enrolment.waitlist_seq)),
    )).scalar_one()
    return ahead + 1


def read(session: Session, enrolment: Enrolment, position_: int | None = None) -> EnrolmentRead:
    pos = position_ if position_ is not None else position(session, enrolment)
    return EnrolmentRead(**enrolment.model_dump(), position=pos)


def waitlist(session: Session, offering_id: int) -> list[EnrolmentRead]:
    catalogue.get_offering(session, offering_id)
    rows = session.execute(select(E).where(E.offering_id == offering_id, E.status == "waitlisted")
                           .order_by(E.priority_class, E.waitlist_seq)).scalars().all()
    return [read(session, e, i) for i, e in enumerate(rows, start=1)]


def enrolments_with_names(session: Session, *, offering_id: int, status: str | None) -> list[dict]:
    catalogue.get_offering(session, offering_id)
    query = (select(E, Learner.name, Learner.consent_to_share).join(Learner, Learner.id == E.learner_id)
             .where(E.offering_id == offering_id).order_by(E.applied_at, E.id))
    if status:
        query = query.where(E.status == status)
    return [{**read(session, e).model_dump(), "name": name, "consent_to_share": consent,
             "sessions_attended": e.sessions_attended, "projects_passed": e.projects_passed,
             "assessment_score": e.assessment_score}
            for e, name, consent in session.execute(query).all()]


def get_enrolment(session: Session, enrolment_id: int) -> Enrolment:
    enrolment = session.get(E, enrolment_id)
    if enrolment is None:
        raise NotFound(f"enrolment {enrolment_id} not found", code="enrolment_not_found")
    return enrolment


# ---- leaving, promotion and offers -----------------------------------------------------------------------


def _locked_enrolment(session: Session, enrolment_id: int) -> tuple[Enrolment, Offering]:
    enrolment = get_enrolment(session, enrolment_id)
    offering = seats.lock_offering(session, enrolment.offering_id)
    session.refresh(enrolment)  # read again under the lock
    return enrolment, offering


def withdraw(session: Session, *, enrolment_id: int, now: datetime, status: str = "withdrawn"
             ) -> tuple[Enrolment, Enrolment | None]:
    """Leaves the offering; a freed seat goes to the next person in the same transaction."""
    enrolment, offering = _locked_enrolment(session, enrolment_id)
    if enrolment.status in domain.ENDED:
        return enrolment, None  # withdrawing twice changes nothing
    return _leave(session, enrolment, offering, now=now, status=status)


def _leave(session: Session, enrolment: Enrolment, offering: Offering, *, now: datetime, status: str
           ) -> tuple[Enrolment, Enrolment | None]:
    """Ends a live enrolment; call with the offering locked and the enrolment read under that lock."""
    promoted = None
    if enrolment.status == "waitlisted":
        seats.leave_waitlist(session, offering.id)
        enrolment.waitlist_left_at = now
        enrolment.status, enrolment.withdrawn_at = status, now
    else:
        _free_seat(session, enrolment, now)
        enrolment.status, enrolment.withdrawn_at = status, now
        session.flush()
        promoted = promote_next(session, offering, now)
    session.flush()
    return enrolment, promoted


def enrol_bulk(session: Session, *, offering_id: int, learner_ids: list, now: datetime) -> list[dict]:
    """Staff enrol many learners in list order, each through `enrol` (same seat rule), each in a savepoint
    so that one refusal (an id that is not a UUID included) does not undo the others."""
    results = []
    for index, raw in enumerate(learner_ids):
        try:
            learner_id = uuid.UUID(raw) if isinstance(raw, str) else None
        except ValueError:
            learner_id = None
        if learner_id is None:
            results.append({"index": index, "learner_id": str(raw)[:64], "error": "invalid_learner_id",
                            "detail": "a learner id is a UUID"})
            continue
        try:
            with session.begin_nested():
                enrolment, _ = enrol(session, offering_id=offering_id, learner_id=learner_id, source="bulk", now=now)
            results.append({"index": index, "learner_id": learner_id, "enrolment": read(session, enrolment)})
        except (Conflict, Unprocessable, NotFound, Forbidden) as exc:
            if exc.code == "offering_not_found":
                raise
            results.append({"index": index, "learner_id": learner_id, "error": exc.code, "detail": exc.detail})
    return results


def promote_next(session: Session, offering: Offering, now: datetime) -> Enrolment | None:
    """Offers a free seat to the first waiting person (priority class, then FIFO) who can take it: a freed
    reserved seat goes to that company's first nominee. Call with the offering locked."""
    if catalogue_rules.waitlist_frozen(starts_on=offering.starts_on, now=now):
        return None
    waiting = session.execute(select(E).where(E.offering_id == offering.id, E.status == "waitlisted")
                              .order_by(E.priority_class, E.waitlist_seq)).scalars().all()
    full_for: set[str | None] = set()  # companies (None: no company) already refused a seat this round
    for candidate in waiting:
        company = session.execute(select(Learner.sponsor_company_id).where(Learner.id == candidate.learner_id)).scalar()
        if company in full_for or (None in full_for and company is None):
            continue
        seat_kind = seats.claim_seat(session, offering.id, company_id=company)
        if seat_kind is None:
            full_for.add(company)  # only another company's reserved seat is free: a later person may fit it
            continue
        seats.leave_waitlist(session, offering.id)
        _hold_seat(candidate, seat_kind, company, now)
        candidate.waitlist_left_at, candidate.offered_at = now, now
        expires = domain.offer_expiry(now, offering.offer_ttl_hours)
        if expires is None:
            candidate.status, candidate.enrolled_at = "enrolled", now
            notify(session, "promoted", candidate, now, {"offering": offering.code})
        else:
            candidate.status, candidate.offer_expires_at = "offered", expires
            notify(session, "offer_made", candidate, now,
                   {"offering": offering.code, "expires_at": expires.isoformat()})
        session.flush()
        return candidate
    return None


def accept_offer(session: Session, *, enrolment_id: int, now: datetime) -> Enrolment:
    enrolment, _ = _locked_enrolment(session, enrolment_id)
    if enrolment.status == "enrolled":
        return enrolment
    if enrolment.status != "offered":
        raise Conflict(f"no open offer (status {enrolment.status})", code="no_offer")
    if domain.offer_lapsed(enrolment.offer_expires_at, now):
        raise Conflict("the offer has expired", code="offer_expired")
    enrolment.status, enrolment.enrolled_at = "enrolled", now
    session.flush()
    return enrolment


def decline_offer(session: Session, *, enrolment_id: int, now: datetime) -> tuple[Enrolment, Enrolment | None]:
    """The status is read under the offering's lock, as accept_offer reads it: an accept and a decline of the
    same offer are serialised, and the second one sees what the first decided (one outcome, both answers
    agree). Declining twice answers the same decline again."""
    enrolment, offering = _locked_enrolment(session, enrolment_id)
    if enrolment.status == "declined":
        return enrolment, None
    if enrolment.status != "offered":
        raise Conflict(f"no open offer (status {enrolment.status})", code="no_offer")
    return _leave(session, enrolment, offering, now=now, status="declined")


def notify(session: Session, kind: str, enrolment: Enrolment, now: datetime, payload: dict) -> None:
    session.add(Notification(kind=kind, learner_id=enrolment.learner_id, enrolment_id=enrolment.id,
                             payload=payload, created_at=now))


# ---- job bodies ------------------------------------------------------------------------------------------


def expire_offers(session: Session, *, now: datetime) -> dict:
    """Lapsed offers free their seat, which moves on to the next person (unless the cohort has started)."""
    lapsed = session.execute(select(E.id).where(E.status == "offered", E.offer_expires_at <= now)
                             .order_by(E.offer_expires_at)).scalars().all()
    expired = promoted = 0
    for enrolment_id in lapsed:
        enrolment, offering = _locked_enrolment(session, enrolment_id)
        if enrolment.status != "offered" or not domain.offer_lapsed(enrolment.offer_expires_at, now):
            continue  # accepted or declined meanwhile
        _free_seat(session, enrolment, now)
        enrolment.status, enrolment.withdrawn_at = "expired", now
        notify(session, "offer_expired", enrolment, now, {"offering": offering.code})
        session.flush()
        expired += 1
        promoted += promote_next(session, offering, now) is not None
    return {"expired": expired, "promoted": promoted}


def remind_offers(session: Session, *, now: datetime) -> dict:
    due = session.execute(select(E).where(E.status == "offered", E.offer_reminded_at.is_(None),
                                          E.offer_expires_at > now)).scalars().all()
    sent = 0
    for enrolment in due:
        if domain.needs_reminder(enrolment.offer_expires_at, enrolment.offer_reminded_at, now):
            enrolment.offer_reminded_at = now
            notify(session, "offer_expiring", enrolment, now,
                   {"expires_at": enrolment.offer_expires_at.isoformat()})
            sent += 1
    session.flush()
    return {"reminded": sent}


def release_reservations(session: Session, *, now: datetime) -> dict:
    """Reserved seats still unfilled at their release time become general seats, offered down the waitlist."""
    due = session.execute(select(SeatReservation.id, SeatReservation.offering_id).where(
        SeatReservation.released_at.is_(None), SeatReservation.release_at <= now)).all()
    freed = promoted = 0
    for reservation_id, offering_id in due:
        offering = seats.lock_offering(session, offering_id)
        n = seats.release_reservation(session, reservation_id, now=now)
        freed += n
        for _ in range(n):
            if promote_next(session, offering, now) is None:
                break
            promoted += 1
    session.flush()
    return {"released_seats": freed, "promoted": promoted}


def drain_outbox(session: Session, *, now: datetime, deliver, limit: int = 500) -> dict:
    """Sends unsent notifications oldest first; a failed delivery is retried on the next run."""
    pending = session.execute(select(Notification).where(Notification.sent_at.is_(None))
                              .order_by(Notification.id).limit(limit).with_for_update(skip_locked=True)
                              ).scalars().all()
    sent = failed = 0
    for note in pending:
        note.attempts += 1
        try:
            deliver(note)
        except Exception:  # the channel is the world's edge; keep the note for the next run
            failed += 1
            continue
        note.sent_at = now
        sent += 1
    session.flush()
    return {"sent": sent, "failed": failed}
