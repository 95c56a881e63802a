"""Use cases of the catalogue: tracks, courses, the prerequisite graph, offerings, reservations, invitations."""

import uuid
from datetime import datetime

import networkx as nx
from sqlalchemy import select
from sqlmodel import Session

from services.common.db import add_new, get_or_404
from services.common.errors import Conflict, NotFound, Unprocessable
from services.talent_academy.catalogue import domain
from services.talent_academy.catalogue.models import (
    Course,
    CoursePrerequisite,
    Offering,
    SeatReservation,
    Track,
)
from services.talent_academy.catalogue.schemas import CourseCreate, OfferingCreate, OfferingRead, TrackCreate
from services.talent_academy.enrolment import seats
from services.talent_academy.enrolment.models import Invitation, Learner


def create_track(session: Session, *, data: TrackCreate) -> Track:
    return add_new(session, Track, data, what="track", code="track_exists")


def list_tracks(session: Session) -> list[Track]:
    return list(session.execute(select(Track).order_by(Track.id)).scalars())


def list_courses(session: Session, *, track_id: str | None = None) -> list[Course]:
    query = select(Course).order_by(Course.term, Course.id)
    if track_id:
        query = query.where(Course.track_id == track_id)
    return list(session.execute(query).scalars())


def list_offerings(session: Session, *, course_id: str | None = None, cohort: str | None = None,
                   track_id: str | None = None) -> list[Offering]:
    query = select(Offering).order_by(Offering.starts_on, Offering.id)
    if track_id:
        query = query.where(Offering.course_id.in_(select(Course.id).where(Course.track_id == track_id)))
    if course_id:
        query = query.where(Offering.course_id == course_id)
    if cohort:
        query = query.where(Offering.cohort == cohort)
    return list(session.execute(query).scalars())


def create_course(session: Session, *, data: CourseCreate) -> Course:
    get_or_404(session, Track, data.track_id, what="track", code="track_not_found")
    return add_new(session, Course, data, what="course", code="course_exists")


def get_course(session: Session, course_id: str) -> Course:
    return get_or_404(session, Course, course_id, what="course", code="course_not_found")


def prerequisite_graph(session: Session) -> nx.DiGraph:
    terms = dict(session.execute(select(Course.id, Course.term)).all())
    edges = [(r, c) for c, r in session.execute(select(CoursePrerequisite.course_id, CoursePrerequisite.requires_id))]
    return domain.prerequisite_graph(edges, terms)


def direct_prerequisites(session: Session, course_id: str) -> list[str]:
    """The courses `course_id` requires directly (what an application checks), without building the graph."""
    return list(session.execute(select(CoursePrerequisite.requires_id)
                                .where(CoursePrerequisite.course_id == course_id)).scalars())


def add_prerequisite(session: Session, *, course_id: str, requires_id: str) -> Course:
    get_course(session, course_id)
    get_course(session, requires_id)
    graph = prerequisite_graph(session)
    if graph.has_edge(requires_id, course_id):
        return session.get(Course, course_id)
    try:
        domain.check_new_prerequisite(graph, course=course_id, requires=requires_id)
    except domain.PrerequisiteCycle as cycle:
        raise Conflict({"message": f"this prerequisite would close a cycle: {cycle}", "cycle": cycle.cycle},
                       code="prerequisite_cycle") from None
    session.add(CoursePrerequisite(course_id=course_id, requires_id=requires_id))
    session.flush()
    return session.get(Course, course_id)


def course_prerequisites(session: Session, course_id: str) -> list[str]:
    return sorted(session.execute(
        select(CoursePrerequisite.requires_id).where(CoursePrerequisite.course_id == course_id)).scalars())


def create_offering(session: Session, *, data: OfferingCreate) -> Offering:
    get_course(session, data.course_id)  # 404 for an unknown course
    problems = domain.validate_rules(data.eligibility)
    if data.opens_at >= data.closes_at:
        problems.append("opens_at must be before closes_at")
    if data.starts_on > data.ends_on:
        problems.append("starts_on must not be after ends_on")
    if data.closes_at > domain.start_instant(data.starts_on):
        problems.append("applications must close before the first session (the waitlist freezes at the start)")
    if sum(r.seats for r in data.reservations) > data.capacity:
        problems.append("reserved seats exceed the capacity")
    if len({r.company_id for r in data.reservations}) != len(data.reservations):
        problems.append("one reservation per company")
    if problems:
        raise Unprocessable(problems, code="invalid_offering")
    if session.execute(select(Offering.id).where(Offering.code == data.code)).first():
        raise Conflict(f"offering {data.code} exists", code="offering_exists")
    offering = Offering(**data.model_dump(exclude={"reservations"}))
    offering.reserved_open = sum(r.seats for r in data.reservations)
    session.add(offering)
    session.flush()
    for r in data.reservations:
        session.add(SeatReservation(offering_id=offering.id, **r.model_dump()))
    session.flush()
    return offering


def get_offering(session: Session, offering_id: int) -> Offering:
    return get_or_404(session, Offering, offering_id, what="offering", code="offering_not_found")


def add_reservation(session: Session, *, offering_id: int, company_id: str, seats_n: int,
                    release_at: datetime | None) -> SeatReservation:
    seats.lock_offering(session, offering_id)
    if session.execute(select(SeatReservation.id).where(
            SeatReservation.offering_id == offering_id, SeatReservation.company_id == company_id)).first():
        raise Conflict(f"{company_id} already has a reservation here", code="reservation_exists")
    if not seats.add_reservation(session, offering_id, seats=seats_n):
        raise Conflict(f"{seats_n} seats are not free to reserve", code="seats_not_free")
    reservation = SeatReservation(offering_id=offering_id, company_id=company_id, seats=seats_n, release_at=release_at)
    session.add(reservation)
    session.flush()
    return reservation


def invite(session: Session, *, offering_id: int, learner_ids: list[str]) -> list[str]:
    get_offering(session, offering_id)
    added = []
    for raw in learner_ids:
        learner_id = _uuid(raw)
        if session.get(Learner, learner_id) is None:
            raise NotFound(f"learner {raw} not found", code="learner_not_found")
        exists = session.execute(select(Invitation.id).where(
            Invitation.offering_id == offering_id, Invitation.learner_id == learner_id)).first()
        if not exists:
            session.add(Invitation(offering_id=offering_id, learner_id=learner_id))
            added.append(str(learner_id))
    session.flush()
    return added


def offering_read(session: Session, offering: Offering) -> OfferingRead:
    session.refresh(offering)  # counters move by Core UPDATEs
    course = session.get(Course, offering.course_id)
    reservations = session.execute(
        select(SeatReservation).where(SeatReservation.offering_id == offering.id).order_by(SeatReservation.id)
    ).scalars().all()
    return OfferingRead(
        **offering.model_dump(), track_id=course.track_id,
        seats_free=offering.capacity - offering.seats_taken - offering.reserved_open,
        reservations=[r.model_dump() for r in reservations],
    )


def _uuid(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        raise Unprocessable(f"{raw!r} is not a learner id", code="invalid_learner_id") from None
