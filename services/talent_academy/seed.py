"""Demo data for the talent academy, loaded once by `aicity seed` / `aicity up`: the six tracks, a year of
12-week cohorts of 50 (the model programme: 4 cohorts of 50 a year, shared/DOMAIN.md), the steel maker, its
battery-materials sister company and local firms as partners, and plausible applications, completions
and outcomes (about half employed at 6 months, a good part of them by partners, as the model programme
reported: ~50% employed, ~40 of 423 completers in the group)."""

import random
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from services.common.citytime import CITY_ZONE
from services.talent_academy.catalogue.domain import start_instant
from services.talent_academy.catalogue.models import (
    Course,
    CoursePrerequisite,
    Offering,
    SeatReservation,
    Track,
)
from services.talent_academy.enrolment.models import Enrolment, Learner
from services.talent_academy.outcomes.domain import checkpoint_date
from services.talent_academy.outcomes.models import Outcome
from services.talent_academy.partners.models import Company, HiringCommitment, Match, Opening

DEMO_DEVICES: list[tuple[str, str, str | None]] = []

# (track id, English, Korean, course id, course title, skills)
TRACKS = [
    ("ai", "Artificial intelligence", "인공지능", "AI-101", "Applied machine learning",
     ["python", "pytorch", "machine learning", "computer vision"]),
    ("data", "Data", "데이터", "DATA-101", "Data engineering and analytics", ["python", "sql", "statistics", "spark"]),
    ("smart_manufacturing", "Smart manufacturing", "스마트제조", "SMF-101", "Smart factory systems",
     ["plc", "mes", "iot", "python"]),
    ("robotics", "Robotics", "로봇", "ROB-101", "Industrial robotics", ["ros", "c++", "control", "computer vision"]),
    ("batteries", "Secondary batteries", "이차전지", "BAT-101", "Battery materials and cells",
     ["electrochemistry", "cathode materials", "quality control", "python"]),
    ("materials", "Advanced materials", "신소재", "MAT-101", "Advanced materials engineering",
     ["metallurgy", "materials characterisation", "simulation", "python"]),
]
COMPANIES = [
    ("steelworks", "Pohang Steelworks (steel maker)", True, None),
    ("steelworks-battery", "Steelworks Future Materials (battery materials)", True, "steelworks"),
    ("youngil-robotics", "Yeongil Bay Robotics", True, None),
    ("hyeongsan-data", "Hyeongsan River Data Labs", True, None),
    ("pohang-precision", "Pohang Precision Parts", False, None),
]
COHORT_SIZE, COHORTS_PER_YEAR, WEEKS = 50, 4, 12
EXTRA_SKILLS = ["excel", "sql", "python", "cad", "english", "statistics", "linux"]


def seed(engine: Engine, *, settings, credentials: dict, today: date | None = None) -> dict:
    rng = random.Random(2026)
    today = today or datetime.now(CITY_ZONE).date()
    with Session(engine) as session:
        if session.execute(select(Track.id)).first() is not None:
            return {"seeded": False}
        for cid, name, partner, parent in COMPANIES:
            session.add(Company(id=cid, name=name, is_partner=partner, parent_id=parent))
        for tid, name, name_ko, course_id, title, skills in TRACKS:
            session.add(Track(id=tid, name=name, name_ko=name_ko))
            session.flush()
            session.add(Course(id=course_id, track_id=tid, title=title, term=1, weeks=WEEKS, skills=skills))
        session.add(Course(id="AI-201", track_id="ai", title="Deep learning for the plant floor", term=2, weeks=WEEKS,
                           skills=["pytorch", "computer vision", "mlops"]))
        session.flush()
        session.add_all([CoursePrerequisite(course_id="AI-201", requires_id="AI-101"),
                         CoursePrerequisite(course_id="AI-201", requires_id="DATA-101")])
        counts = {"offerings": 0, "learners": 0, "enrolments": 0, "outcomes": 0}
        for tid, _, _, course_id, _, skills in TRACKS:
            # four cohorts over the past year and one open for applications now
            for k in range(-COHORTS_PER_YEAR, 1):
                starts = today + timedelta(weeks=13 * k + 4)
                _cohort(session, rng, counts, tid, course_id, skills, starts, today)
        _partners(session, rng, today)
        session.commit()
    return {"seeded": True, **counts}


def _cohort(session, rng, counts, track_id, course_id, skills, starts: date, today: date) -> None:
    ends = starts + timedelta(weeks=WEEKS) - timedelta(days=3)
    start_at = start_instant(starts)
    opens, closes = start_at - timedelta(days=42), start_at - timedelta(days=3)
    reserve = {"smart_manufacturing": "steelworks", "ai": "steelworks", "batteries": "steelworks-battery"}.get(track_id)
    offering = Offering(code=f"{course_id}-{starts:%Y%m}", course_id=course_id, cohort=f"{starts.year}-{starts:%m}",
                        capacity=COHORT_SIZE, waitlist_cap=60, opens_at=opens, closes_at=closes, starts_on=starts,
                        ends_on=ends, eligibility={"min_age": 18, "max_age": 39, "priority_residency": ["Pohang"]})
    session.add(offering)
    session.flush()
    counts["offerings"] += 1
    now = datetime.now(UTC)
    open_now = opens <= now < closes
    applicants = rng.randint(18, 40) if open_now else rng.randint(55, 85)
    reserved_left = 5 if reserve else 0
    if reserve:
        session.add(SeatReservation(offering_id=offering.id, company_id=reserve, seats=5,
                                    release_at=closes - timedelta(days=7)))
    taken = waitlisted = ticket = 0
    for _ in range(applicants):
        applied = opens + timedelta(hours=rng.uniform(1, min(24 * 38, max(2, (now - opens).total_seconds() / 3600))))
        sponsor = reserve if reserve and rng.random() < 0.08 else None
        learner = Learner(id=uuid.UUID(int=rng.getrandbits(128)), name=f"Learner {counts['learners'] + 1}",
                          birth_date=date(rng.randint(1988, 2005), rng.randint(1, 12), rng.randint(1, 28)),
                          residence="Pohang" if rng.random() < 0.8 else rng.choice(["Gyeongju", "Daegu", "Ulsan"]),
                          sponsor_company_id=sponsor, consent_to_share=rng.random() < 0.7,
                          skills=sorted(set(rng.sample(EXTRA_SKILLS, 2)) | set(rng.sample(skills, 1))))
        session.add(learner)
        session.flush()  # no ORM relationships: the learner row must exist before its enrolment
        counts["learners"] += 1
        e = Enrolment(offering_id=offering.id, learner_id=learner.id, applied_at=applied, source="self",
                      priority_class=1 if learner.residence == "Pohang" else 2)
        if sponsor and reserved_left:
            reserved_left -= 1
            e.status, e.seat_kind, e.seat_company_id = "enrolled", "reserved", sponsor
        elif taken < COHORT_SIZE - (5 if reserve else 0):
            taken += 1
            e.status, e.seat_kind = "enrolled", "general"
        else:
            ticket += 1
            e.status, e.waitlist_seq = "waitlisted", ticket
            waitlisted += 1
        if e.status == "enrolled":
            e.enrolled_at = e.seat_claimed_at = applied
        session.add(e)
        counts["enrolments"] += 1
        if e.status == "enrolled":
            _progress(session, rng, counts, e, offering, start_at, today)
    session.flush()
    used_reserved = 5 - reserved_left if reserve else 0
    offering.seats_taken = taken + used_reserved
    offering.reserved_open = reserved_left
    offering.waitlist_count, offering.waitlist_seq = waitlisted, ticket
    if reserve and today >= (closes - timedelta(days=7)).date():  # the release date passed: unfilled seats went general
        res = session.execute(select(SeatReservation).where(SeatReservation.offering_id == offering.id)).scalar_one()
        res.taken, res.released_at = used_reserved, closes - timedelta(days=7)
        offering.reserved_open = 0
    elif reserve:
        res = session.execute(select(SeatReservation).where(SeatReservation.offering_id == offering.id)).scalar_one()
        res.taken = used_reserved


def _progress(session, rng, counts, e, offering, start_at, today) -> None:
    if today < offering.starts_on:
        return
    if rng.random() < 0.07:  # dropped out in the first weeks: stays in every denominator
        e.status, e.withdrawn_at = "withdrawn", start_at + timedelta(days=rng.randint(3, 30))
        e.seat_released_at = e.withdrawn_at
        return
    e.sessions_attended = min(offering.sessions_total, int(rng.gauss(55, 4)))
    e.projects_passed = rng.choice([1, 2, 2, 3, 3, 3, 3, 3])
    e.assessment_score = round(min(100, max(30, rng.gauss(76, 11))), 1)
    if today <= offering.ends_on:
        return
    done = (e.sessions_attended / offering.sessions_total >= 0.8 and e.projects_passed >= 2
            and e.assessment_score >= 60)
    e.completion_status = "completed" if done else "not_completed"
    session.flush()
    for months, p_employed in ((3, 0.38), (6, 0.55)):
        when = checkpoint_date(offering.ends_on, months)
        if today < when or rng.random() < 0.1:  # not due yet, or the survey got no answer
            continue
        employed = rng.random() < (p_employed + (0.12 if done else -0.25))
        company = None
        if employed:
            company = rng.choices([c[0] for c in COMPANIES] + [None], weights=[14, 8, 5, 5, 8, 60])[0]
        began = offering.ends_on + timedelta(days=rng.randint(1, (when - offering.ends_on).days))  # first day
        session.add(Outcome(enrolment_id=e.id, checkpoint_months=months, employed=employed,
                            in_field=employed and rng.random() < 0.7, company_id=company,
                            partner_hire=company in {c[0] for c in COMPANIES if c[2]}, observed_on=when,
                            employed_on=began if employed else None,
                            evidence_source="employment_insurance" if rng.random() < 0.6 else "survey"))
        counts["outcomes"] += 1


def _partners(session, rng, today) -> None:
    openings = [("steelworks", "Process data scientist", "ai", 4, ["python", "machine learning", "statistics"]),
                ("steelworks", "Smart factory engineer", "smart_manufacturing", 3, ["plc", "mes", "iot"]),
                ("steelworks-battery", "Cathode process analyst", "batteries", 3, ["electrochemistry", "python"]),
                ("youngil-robotics", "Robot integration engineer", "robotics", 2, ["ros", "c++"]),
                ("hyeongsan-data", "Data engineer", "data", 2, ["sql", "spark", "python"])]
    for company, title, track, seats, skills in openings:
        session.add(Opening(company_id=company, title=title, track_id=track, seats=seats, required_skills=skills))
    for company, track, seats in [("steelworks", "ai", 10), ("steelworks", "smart_manufacturing", 8),
                                  ("steelworks-battery", "batteries", 8), ("youngil-robotics", "robotics", 4)]:
        session.add(HiringCommitment(company_id=company, track_id=track, year=today.year, seats=seats))
    session.flush()
    _ = Match  # matches are made by the matching run (POST /v1/matching/runs), not seeded
