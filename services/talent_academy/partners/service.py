"""Use cases of partners: companies, openings, commitments, matching graduates to openings, match steps."""

from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session

from services.common.auth import Principal
from services.common.db import add_new, get_or_404
from services.common.errors import Conflict, NotFound
from services.talent_academy.access import partner_company, sees_company
from services.talent_academy.catalogue.models import Course, Offering
from services.talent_academy.enrolment.models import Enrolment, Learner
from services.talent_academy.partners import domain
from services.talent_academy.partners.models import Company, HiringCommitment, Match, Opening
from services.talent_academy.partners.schemas import CommitmentCreate, CompanyCreate, OpeningCreate

ACTIVE = ("proposed", "interview", "offer", "hired")


def create_company(session: Session, *, data: CompanyCreate) -> Company:
    return add_new(session, Company, data, what="company", code="company_exists")


def get_company(session: Session, company_id: str) -> Company:
    return get_or_404(session, Company, company_id, what="company", code="company_not_found")


def create_opening(session: Session, *, data: OpeningCreate) -> Opening:
    get_company(session, data.company_id)
    opening = Opening(**data.model_dump())
    session.add(opening)
    session.flush()
    return opening


def get_opening(session: Session, opening_id: int, *, principal: Principal | None = None) -> Opening:
    opening = session.get(Opening, opening_id)
    if opening is None or not sees_company(principal, opening.company_id):
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
    # only completers who consented to share their profile with partners are candidates at all
    grads_q = (select(Enrolment, Learner, Course)
               .join(Learner, Learner.id == Enrolment.learner_id)
               .join(Offering, Offering.id == Enrolment.offering_id).join(Course, Course.id == Offering.course_id)
               .where(Enrolment.completion_status == "completed", Learner.consent_to_share.is_(True),
                      Learner.erased_at.is_(None))
               .order_by(Enrolment.id))
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
    # pairs already tried (rejected, or withdrawn with consent) are not planned again
    enrolment_of = {learner: g for g, learner in learner_of.items()}
    tried = session.execute(select(Match.opening_id, Match.learner_id)
                            .where(Match.opening_id.in_(list(openings) or [-1]))).all()
    excluded = {(enrolment_of[learner], opening) for opening, learner in tried if learner in enrolment_of}
    created = []
    for placed in domain.match(graduates, vacancies, excluded=excluded):
        opening = openings[placed["opening"]]
        learner_id = learner_of[placed["graduate"]]
        m = Match(opening_id=opening.id, company_id=opening.company_id, enrolment_id=placed["graduate"],
                  learner_id=learner_id, fit=placed["fit"], explanation=placed["explanation"],
                  created_at=now, updated_at=now)
        session.add(m)
        created.append(m)
    session.flush()
    return created


def get_match(session: Session, match_id: int, *, principal: Principal | None = None) -> Match:
    m = session.get(Match, match_id)
    if m is None or not sees_company(principal, m.company_id):
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
    if status == "hired":
        record_hire(session, m, now=now)
    return m


def record_hire(session: Session, m: Match, *, now: datetime):
    """A hire through a match is the employment outcome: recorded at the 6-month checkpoint with the partner's
    hire as its evidence, the job starting today (so the placement figures follow what partners do)."""
    from services.talent_academy.catalogue.domain import local_date
    from services.talent_academy.outcomes import service as outcomes
    from services.talent_academy.outcomes.schemas import OutcomeCreate

    opening = session.get(Opening, m.opening_id)
    enrolment = session.get(Enrolment, m.enrolment_id)
    track = session.execute(select(Course.track_id).join(Offering, Offering.course_id == Course.id)
                            .where(Offering.id == enrolment.offering_id)).scalar_one()
    today = local_date(now)
    return outcomes.record_outcome(session, enrolment_id=m.enrolment_id, now=now, data=OutcomeCreate(
        checkpoint_months=6, employed=True, in_field=opening.track_id in (None, track), company_id=m.company_id,
        observed_on=today, employed_on=today, evidence_source="partner_hire"))


def candidates(session: Session, *, track_id: str | None = None) -> list[dict]:
    """Completers who consented to share their profile, not yet hired: what a partner may see of them."""
    hired = set(session.execute(select(Match.learner_id).where(Match.status == "hired")).scalars())
    query = (select(Enrolment, Learner, Course, Offering)
             .join(Learner, Learner.id == Enrolment.learner_id)
             .join(Offering, Offering.id == Enrolment.offering_id).join(Course, Course.id == Offering.course_id)
             .where(Enrolment.completion_status == "completed", Learner.consent_to_share.is_(True),
                    Learner.erased_at.is_(None))
             .order_by(Offering.ends_on.desc(), Enrolment.id))
    if track_id:
        query = query.where(Course.track_id == track_id)
    out, seen = [], set()
    for e, learner, course, offering in session.execute(query).all():
        if learner.id in hired or learner.id in seen:
            continue
        seen.add(learner.id)
        out.append({"enrolment_id": e.id, "learner_id": learner.id, "track_id": course.track_id,
                    "course_id": course.id, "cohort": offering.cohort, "ended_on": offering.ends_on,
                    "skills": sorted(set(learner.skills) | set(course.skills)),
                    "assessment_score": e.assessment_score})
    return out


def nominate(session: Session, *, enrolment_id: int, opening: Opening, now: datetime) -> Match:
    """A partner's own pick: only a consenting completer, only for an open opening with a free seat."""
    row = session.execute(select(Enrolment, Learner, Course)
                          .join(Learner, Learner.id == Enrolment.learner_id)
                          .join(Offering, Offering.id == Enrolment.offering_id)
                          .join(Course, Course.id == Offering.course_id)
                          .where(Enrolment.id == enrolment_id)).first()
    if row is None or row[0].completion_status != "completed" or not row[1].consent_to_share or row[1].erased_at:
        raise NotFound("no consenting candidate with this enrolment", code="candidate_not_found")
    e, learner, course = row
    if opening.status != "open" or opening_counts(session, opening.id)["seats_matched"] >= opening.seats:
        raise Conflict("the opening has no free seat", code="opening_full")
    existing = session.execute(select(Match).where(Match.opening_id == opening.id,
                                                   Match.learner_id == learner.id)).scalar()
    if existing is not None:
        if existing.status == "rejected":
            raise Conflict("this candidate was turned down for this opening", code="match_rejected")
        return existing
    value, why = domain.fit(domain.Graduate(id=e.id, skills=frozenset(learner.skills) | frozenset(course.skills),
                                            track_id=course.track_id, assessment_score=e.assessment_score),
                            domain.Vacancy(id=opening.id, seats=opening.seats,
                                           required_skills=frozenset(opening.required_skills),
                                           track_id=opening.track_id))
    m = Match(opening_id=opening.id, company_id=opening.company_id, enrolment_id=e.id, learner_id=learner.id,
              fit=value, explanation=why, status="interview", created_at=now, updated_at=now)
    session.add(m)
    session.flush()
    return m


# ---- lists, read through the caller's scope (a partner sees its own company only) ----------------------------


def list_openings(session: Session, *, principal: Principal, company_id: str | None = None) -> list[Opening]:
    company_id = partner_company(principal) or company_id
    query = select(Opening).order_by(Opening.id)
    if company_id:
        query = query.where(Opening.company_id == company_id)
    return list(session.execute(query).scalars())


def list_commitments(session: Session, *, principal: Principal) -> list[HiringCommitment]:
    query = select(HiringCommitment).order_by(HiringCommitment.year, HiringCommitment.company_id)
    own = partner_company(principal)
    if own:
        query = query.where(HiringCommitment.company_id == own)
    return list(session.execute(query).scalars())


def list_matches(session: Session, *, principal: Principal, status: str | None = None) -> list[Match]:
    query = select(Match).order_by(Match.id)
    own = partner_company(principal)
    if own:
        query = query.where(Match.company_id == own)
    if status:
        query = query.where(Match.status == status)
    return list(session.execute(query).scalars())


def consenting_learners(session: Session, learner_ids: list) -> set:
    """Of these learners, those who consent to share their profile with partners now."""
    return set(session.execute(select(Learner.id).where(
        Learner.id.in_(learner_ids), Learner.consent_to_share.is_(True))).scalars())
