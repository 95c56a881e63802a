"""Use cases of applicants: the public catalogue, applying (learner + enrolment through the same seat rule),
status links, and the applicant's own accept / decline / withdraw."""

import hashlib
import secrets
from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import select
from sqlmodel import Session

from services.common.errors import Conflict, NotFound, Unauthorized, Unprocessable
from services.talent_academy.catalogue import domain as catalogue_rules
from services.talent_academy.catalogue import service as catalogue
from services.talent_academy.catalogue.models import Course, CoursePrerequisite, Offering, Track
from services.talent_academy.enrolment import domain as enrolment_rules
from services.talent_academy.enrolment import service as enrolment_service
from services.talent_academy.enrolment.models import ApplicantLink, Enrolment, Learner
from services.talent_academy.enrolment.schemas import LearnerCreate
from services.talent_academy.partners.models import Company, Opening

# 32 symbols without look-alikes (no 0/O, 1/I/L): read over the phone without mistakes
NO_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def catalogue_view(session: Session, *, now: datetime) -> dict:
    """What an applicant may see: tracks with their courses, prerequisites and partner hiring, and the cohorts
    not yet started with dates and seats left. No personal data."""
    today = catalogue_rules.local_date(now)
    prereqs: dict[str, list[str]] = defaultdict(list)
    for c, r in session.execute(select(CoursePrerequisite.course_id, CoursePrerequisite.requires_id)):
        prereqs[c].append(r)
    courses = {c.id: c for c in session.execute(select(Course)).scalars()}
    hiring: dict[str, list[dict]] = defaultdict(list)
    for o, company in session.execute(select(Opening, Company.name).join(Company, Company.id == Opening.company_id)
                                      .where(Opening.status == "open").order_by(Opening.id)):
        hiring[o.track_id or "*"].append({"company": company, "title": o.title, "seats": o.seats})
    tracks = [{"id": t.id, "name": t.name, "name_ko": t.name_ko,
               "hiring": hiring.get(t.id, []) + hiring.get("*", [])}
              for t in session.execute(select(Track).order_by(Track.id)).scalars()]
    offerings = []
    for o in session.execute(select(Offering).where(Offering.starts_on > today)
                             .order_by(Offering.starts_on, Offering.id)).scalars():
        course = courses[o.course_id]
        problem = catalogue_rules.window_problem(opens_at=o.opens_at, closes_at=o.closes_at, now=now)
        offerings.append({
            "id": o.id, "code": o.code, "course_id": o.course_id, "course_title": course.title,
            "track_id": course.track_id, "cohort": o.cohort, "opens_at": o.opens_at, "closes_at": o.closes_at,
            "starts_on": o.starts_on, "ends_on": o.ends_on, "capacity": o.capacity,
            "seats_left": max(0, o.capacity - o.seats_taken - o.reserved_open), "waitlist_count": o.waitlist_count,
            "window": problem or "open", "prerequisites": sorted(prereqs.get(o.course_id, [])),
            "prerequisite_mode": o.prerequisite_mode, "skills": course.skills,
            "eligibility": {k: v for k, v in o.eligibility.items() if k in ("min_age", "max_age", "residency")}})
    return {"tracks": tracks, "offerings": offerings}


def _new_link(session: Session, enrolment: Enrolment, now: datetime) -> str:
    token = secrets.token_urlsafe(24)
    session.add(ApplicantLink(enrolment_id=enrolment.id, token_hash=_hash(token), created_at=now))
    session.flush()
    return token


def apply(session: Session, *, data, now: datetime) -> tuple[Enrolment, str]:
    """A self-application: the learner record (reused when the same name, birth date and contact applied
    before), then the enrolment through the same seat rule as every other path. Refusals keep their codes."""
    if not data.consent_privacy:
        raise Unprocessable("consent to the use of your details is needed to apply", code="consent_required")
    catalogue.get_offering(session, data.offering_id)
    name = enrolment_rules.clean_name(data.name)
    if name is None:
        raise Unprocessable("a name needs letters: not only spaces or control characters", code="invalid_name")
    learner = session.execute(select(Learner).where(
        Learner.name == name, Learner.birth_date == data.birth_date, Learner.contact == data.contact.strip(),
        Learner.erased_at.is_(None))).scalars().first()
    if learner is None:
        learner, _ = enrolment_service.create_learner(session, data=LearnerCreate(
            name=name, birth_date=data.birth_date, residence=data.residence.strip(), contact=data.contact.strip(),
            skills=[s.strip() for s in data.skills if s.strip()], consent_to_share=data.consent_to_share))
    enrolment, created = enrolment_service.enrol(session, offering_id=data.offering_id, learner_id=learner.id,
                                                 source="self", now=now)
    if not created:
        raise Conflict({"message": "you have already applied to this cohort",
                        "application_no": enrolment.application_no}, code="already_applied")
    while True:
        number = "".join(secrets.choice(NO_ALPHABET) for _ in range(8))
        if session.execute(select(Enrolment.id).where(Enrolment.application_no == number)).first() is None:
            break
    enrolment.application_no = number
    session.flush()
    return enrolment, _new_link(session, enrolment, now)


def by_token(session: Session, token: str | None) -> Enrolment:
    if not token:
        raise Unauthorized("the status link is missing", code="link_missing")
    link = session.execute(select(ApplicantLink).where(ApplicantLink.token_hash == _hash(token))).scalar()
    if link is None:
        raise Unauthorized("this status link is not valid", code="link_invalid")
    return session.get(Enrolment, link.enrolment_id)


def lookup(session: Session, *, application_no: str, birth_date: date, now: datetime) -> tuple[Enrolment, str]:
    """Application number and birth date give a new status link; a wrong pair says only that it did not match."""
    row = session.execute(select(Enrolment, Learner).join(Learner, Learner.id == Enrolment.learner_id).where(
        Enrolment.application_no == application_no.strip().upper())).first()
    if row is None or row[1].birth_date != birth_date:
        raise NotFound("no application with this number and birth date", code="application_not_found")
    return row[0], _new_link(session, row[0], now)


def status(session: Session, enrolment: Enrolment, token: str | None = None) -> dict:
    offering = session.get(Offering, enrolment.offering_id)
    course = session.get(Course, offering.course_id)
    learner = session.get(Learner, enrolment.learner_id)
    return {"application_no": enrolment.application_no, "token": token, "learner_id": learner.id,
            "name": learner.name, "offering_id": offering.id, "offering_code": offering.code,
            "course_title": course.title, "track_id": course.track_id, "cohort": offering.cohort,
            "starts_on": offering.starts_on, "ends_on": offering.ends_on, "status": enrolment.status,
            "position": enrolment_service.position(session, enrolment),
            "offer_expires_at": enrolment.offer_expires_at, "content_locked": enrolment.content_locked,
            "missing_prerequisites": enrolment.missing_prerequisites,
            "completion_status": enrolment.completion_status, "consent_to_share": learner.consent_to_share,
            "applied_at": enrolment.applied_at}
