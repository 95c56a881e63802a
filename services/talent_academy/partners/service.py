"""Use cases of partners: companies, openings, commitments, matching graduates to openings, match steps."""

from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session

from services.common.errors import Conflict, NotFound
from services.talent_academy.catalogue.models import Course, Offering
from services.talent_academy.enrolment.models import Enrolment, Learner
from services.talent_academy.partners import domain
from services.talent_academy.partners.models import Company, HiringCommitment, Match, Opening
from services.talent_academy.partners.schemas import CommitmentCreate, CompanyCreate, OpeningCreate

ACTIVE = ("proposed", "interview", "offer", "hired")


def create_company(session: Session, *, data: CompanyCreate) -> Company:
    if session.get(Company, data.id) is not None:
        raise Conflict(f"company {data.id} exists", code="company_exists")
    company = Company(**data.model_dump())
    session.add(company)
    session.flush()
    return company


def get_company(session: Session, company_id: str) -> Company:
    company = session.get(Company, company_id)
    if company is None:
        raise NotFound(f"company {company_id} not found", code="company_not_found")
    return company


def create_opening(session: Session, *, data: OpeningCreate) -> Opening:
    get_company(session, data.company_id)
    opening = Opening(**data.model_dump())
    session.add(opening)
    session.flush()
    return opening


def get_opening(session: Session, opening_id: int) -> Opening:
    opening = session.get(Opening, opening_id)
    if opening is None:
        raise NotFound(f"opening {opening_id} not found", code="opening_not_found")
    return opening


def opening_counts(session: Session, opening_id: int) -> dict:
    rows = dict(session.execute(select(Match.status, func.count()).where(Match.opening_id == opening_id)
                                .group_by(Match.status)).all())
    return {"seats_matched": sum(rows.get(s, 0) for s in ACTIVE), "hired": rows.get("hired", 0)}


def create_commitment(session: Session, *, data: CommitmentCreate) -> HiringCommitment:
    get_company(session, data.company_id)
    exists = session.execute(select(HiringCommitment).where(
        HiringCommitment.company_id == data.company_id, HiringCommitment.track_id == data.track_id,
        HiringCommitment.year == data.year)).scalar()
    if exists is not None:
        exists.seats = data.seats
        session.flush()
        return exists
    commitment = HiringCommitment(**data.model_dump())
    session.add(commitment)
    session.flush()
    return commitment


def commitment_hires(session: Session, c: HiringCommitment) -> int:
    """Hires through matches by this company in this track, in the commitment's year."""
    hires = session.execute(select(Match.updated_at).join(Opening, Opening.id == Match.opening_id).where(
        Match.company_id == c.company_id, Match.status == "hired", Opening.track_id == c.track_id)).scalars()
    return sum(1 for at in hires if at.year == c.year)


def run_matching(session: Session, *, now: datetime, track_id: str | None = None) -> list[Match]:
    """Proposes matches of unplaced graduates to open seats by fit, through min-cost flow."""
    busy = set(session.execute(select(Match.learner_id).where(Match.status.in_(ACTIVE))).scalars())
    grads_q = (select(Enrolment, Learner, Course)
               .join(Learner, Learner.id == Enrolment.learner_id)
               .join(Offering, Offering.id == Enrolment.offering_id).join(Course, Course.id == Offering.course_id)
               .where(Enrolment.completion_status == "completed").order_by(Enrolment.id))
    if track_id:
        grads_q = grads_q.where(Course.track_id == track_id)
    graduates, learner_of, seen = [], {}, set()
    for e, learner, course in session.execute(grads_q).all():
        if learner.id in busy or learner.id in seen:
            continue
        seen.add(learner.id)
        learner_of[e.id] = learner.id
        graduates.append(domain.Graduate(id=e.id, skills=frozenset(learner.skills) | frozenset(course.skills),
                                         track_id=course.track_id, assessment_score=e.assessment_score))
    openings_q = select(Opening).where(Opening.status == "open").order_by(Opening.id)
    if track_id:
        openings_q = openings_q.where((Opening.track_id == track_id) | Opening.track_id.is_(None))
    openings = {o.id: o for o in session.execute(openings_q).scalars()}
    vacancies = [domain.Vacancy(id=o.id, seats=o.seats - opening_counts(session, o.id)["seats_matched"],
                                required_skills=frozenset(o.required_skills), track_id=o.track_id)
                 for o in openings.values()]
    created = []
    for placed in domain.match(graduates, vacancies):
        opening = openings[placed["opening"]]
        learner_id = learner_of[placed["graduate"]]
        old = session.execute(select(Match).where(Match.opening_id == opening.id,
                                                  Match.learner_id == learner_id)).scalar()
        if old is not None:  # rejected here before: do not propose the same pair again
            continue
        m = Match(opening_id=opening.id, company_id=opening.company_id, enrolment_id=placed["graduate"],
                  learner_id=learner_id, fit=placed["fit"], explanation=placed["explanation"],
                  created_at=now, updated_at=now)
        session.add(m)
        created.append(m)
    session.flush()
    return created


def get_match(session: Session, match_id: int) -> Match:
    m = session.get(Match, match_id)
    if m is None:
        raise NotFound(f"match {match_id} not found", code="match_not_found")
    return m


def move_match(session: Session, *, match_id: int, status: str, now: datetime) -> Match:
    m = get_match(session, match_id)
    if m.status == status:
        return m
    if not domain.can_move(m.status, status):
        raise Conflict(f"a {m.status} match cannot become {status}; next: {list(domain.MATCH_STEPS[m.status])}",
                       code="invalid_match_step")
    m.status, m.updated_at = status, now
    session.flush()
    return m
