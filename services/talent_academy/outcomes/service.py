"""Use cases of outcomes: progress, completion by criteria, employment outcomes, indicators, overview."""

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from services.common.citytime import CITY_ZONE
from services.common.db import get_or_404, utcnow
from services.common.errors import Conflict, Unprocessable
from services.common.overview import Attention, Figure, Overview
from services.talent_academy.catalogue import domain as catalogue_rules
from services.talent_academy.catalogue.models import Course, Offering
from services.talent_academy.enrolment import service as enrolment_service
from services.talent_academy.enrolment.models import Enrolment, Notification
from services.talent_academy.outcomes import domain
from services.talent_academy.outcomes.models import Outcome
from services.talent_academy.outcomes.schemas import OutcomeCreate, ProgressUpdate
from services.talent_academy.partners.models import Company

E = Enrolment


def update_progress(session: Session, *, enrolment_id: int, data: ProgressUpdate) -> Enrolment:
    enrolment = enrolment_service.get_enrolment(session, enrolment_id)
    if enrolment.status != "enrolled" and enrolment.enrolled_at is None:
        raise Conflict(f"not enrolled (status {enrolment.status})", code="not_enrolled")
    offering = session.get(Offering, enrolment.offering_id)
    if data.sessions_attended is not None and data.sessions_attended > offering.sessions_total:
        raise Unprocessable(f"the offering has {offering.sessions_total} sessions", code="too_many_sessions")
    for key, value in data.model_dump(exclude_none=True).items():
        setattr(enrolment, key, value)
    session.flush()
    return enrolment


def evaluate_completions(session: Session, *, offering_id: int, now: datetime) -> list[dict]:
    """Decides completed / not_completed for every starter once the cohort has ended."""
    offering = get_or_404(session, Offering, offering_id, what="offering", code="offering_not_found")
    if catalogue_rules.local_date(now) <= offering.ends_on:
        raise Conflict(f"the cohort ends on {offering.ends_on}", code="cohort_not_ended")
    start = catalogue_rules.start_instant(offering.starts_on)
    results = []
    for e in session.execute(select(E).where(E.offering_id == offering_id).order_by(E.id)).scalars():
        record = domain.LearnerRecord(status=e.status, enrolled_at=e.enrolled_at, withdrawn_at=e.withdrawn_at)
        if not domain.is_starter(record, start):
            continue
        if e.status != "enrolled":  # left after the start: a dropout, never a completer
            done, unmet = False, [f"left the cohort ({e.status})"]
        elif e.content_locked:  # lock_content: the prerequisites were never completed
            done, unmet = False, [f"prerequisites not completed: {', '.join(e.missing_prerequisites)}"]
        else:
            done, unmet = domain.evaluate_completion(
                offering.completion_criteria, sessions_total=offering.sessions_total,
                sessions_attended=e.sessions_attended, projects_passed=e.projects_passed,
                assessment_score=e.assessment_score)
        e.completion_status, e.completion_reasons = ("completed" if done else "not_completed"), unmet
        results.append({"enrolment_id": e.id, "learner_id": str(e.learner_id),
                        "completion_status": e.completion_status, "unmet": unmet})
        if done:
            session.flush()
            enrolment_service.lift_locks(session, learner_id=e.learner_id)
    session.flush()
    return results


def record_outcome(session: Session, *, enrolment_id: int, data: OutcomeCreate, now: datetime | None = None
                   ) -> Outcome:
    """One observation per checkpoint; recording it again replaces it (a corrected survey answer)."""
    if data.checkpoint_months not in domain.CHECKPOINTS:
        raise Unprocessable(f"checkpoint must be one of {domain.CHECKPOINTS}", code="invalid_checkpoint")
    enrolment = enrolment_service.get_enrolment(session, enrolment_id)
    if enrolment.enrolled_at is None:
        raise Conflict("never enrolled", code="not_enrolled")
    if data.employed is False and (data.in_field or data.company_id or data.employed_on):
        raise Unprocessable("an unemployed outcome has no field, company or job start", code="invalid_outcome")
    offering = session.get(Offering, enrolment.offering_id)
    problem = domain.observation_problem(observed_on=data.observed_on, employed_on=data.employed_on,
                                         employed=data.employed, starts_on=offering.starts_on,
                                         today=catalogue_rules.local_date(now or utcnow()))
    if problem:
        raise Unprocessable(problem[1], code=problem[0])
    partner = False
    if data.company_id:
        company = session.get(Company, data.company_id)
        partner = bool(company and company.is_partner)
    outcome = session.execute(select(Outcome).where(Outcome.enrolment_id == enrolment_id,
                                                    Outcome.checkpoint_months == data.checkpoint_months)).scalar()
    if outcome is None:
        outcome = Outcome(enrolment_id=enrolment_id, **data.model_dump(), partner_hire=partner)
        session.add(outcome)
    else:
        for key, value in data.model_dump().items():
            setattr(outcome, key, value)
        outcome.partner_hire = partner
    session.flush()
    return outcome


# ---- indicators ------------------------------------------------------------------------------------------


def _records(session: Session, offering_ids: list[int]) -> dict[int, list[domain.LearnerRecord]]:
    jobs: dict[int, dict[str, date]] = defaultdict(dict)  # enrolment -> earliest first day of job, by kind
    if offering_ids:
        rows = session.execute(select(Outcome).join(E, E.id == Outcome.enrolment_id)
                               .where(E.offering_id.in_(offering_ids), Outcome.employed.is_(True))).scalars()
        for o in rows:
            day = o.employed_on or o.observed_on  # a record from before employed_on existed: its observation
            kinds = ["any"] + (["in_field"] if o.in_field else []) + (["partner"] if o.partner_hire else [])
            for kind in kinds:
                if kind not in jobs[o.enrolment_id] or day < jobs[o.enrolment_id][kind]:
                    jobs[o.enrolment_id][kind] = day
    by_offering: dict[int, list[domain.LearnerRecord]] = defaultdict(list)
    rows = session.execute(select(E).where(E.offering_id.in_(offering_ids))).scalars() if offering_ids else []
    for e in rows:
        j = jobs.get(e.id, {})
        by_offering[e.offering_id].append(domain.LearnerRecord(
            status=e.status, enrolled_at=e.enrolled_at, withdrawn_at=e.withdrawn_at,
            completion_status=e.completion_status, employed_on=j.get("any"), in_field_on=j.get("in_field"),
            partner_on=j.get("partner")))
    return by_offering


def offering_counts(session: Session, *, today: date, track_id: str | None = None
                    ) -> list[tuple[Offering, str, domain.Counts]]:
    query = select(Offering, Course.track_id).join(Course, Course.id == Offering.course_id)
    if track_id:
        query = query.where(Course.track_id == track_id)
    offerings = session.execute(query.order_by(Course.track_id, Offering.starts_on, Offering.id)).all()
    records = _records(session, [o.id for o, _ in offerings])
    return [(o, t, domain.cohort_counts(records.get(o.id, []), capacity=o.capacity,
                                        start=catalogue_rules.start_instant(o.starts_on), ends_on=o.ends_on,
                                        today=today)) for o, t in offerings]


def suppressed_rows(session: Session, *, today: date, min_cell: int = domain.MIN_CELL):
    """Every cohort, track and city row with its hidden cells, decided over all of them at once (a filtered
    view must hide what the whole table hides)."""
    rows = offering_counts(session, today=today)
    groups: dict[str, list[domain.Counts]] = defaultdict(list)
    for _, t, c in rows:
        groups[t].append(c)
    cohort_hidden, track_hidden, city_hidden = domain.suppress(dict(groups), min_cell=min_cell)
    position: dict[str, int] = defaultdict(int)
    cohorts = []
    for o, t, c in rows:
        cohorts.append((o, t, c, cohort_hidden[t][position[t]]))
        position[t] += 1
    tracks = [(t, sum(parts, domain.Counts()), track_hidden[t]) for t, parts in sorted(groups.items())]
    city = (sum((c for _, _, c in rows), domain.Counts()), city_hidden)
    return cohorts, tracks, city


def indicators(session: Session, *, today: date, by: str, track_id: str | None = None,
               min_cell: int = domain.MIN_CELL) -> list[dict]:
    cohorts, tracks, (city, city_hidden) = suppressed_rows(session, today=today, min_cell=min_cell)
    if by == "cohort":
        return [{"track_id": t, "offering_id": o.id, "cohort": o.cohort, **domain.rates(c, hidden),
                 "definitions": domain.DEFINITIONS}
                for o, t, c, hidden in cohorts if track_id in (None, t)]
    if by == "city":
        return [{"track_id": "all", **domain.rates(city, city_hidden), "definitions": domain.DEFINITIONS}]
    return [{"track_id": t, **domain.rates(c, hidden), "definitions": domain.DEFINITIONS}
            for t, c, hidden in tracks if track_id in (None, t)]


def _window_counts(cohorts, *, lo: date, hi: date, key) -> tuple[domain.Counts, set[str]]:
    """The cohorts whose date falls in (lo, hi]; a cell is hidden if any cohort in the window hides it (the
    window cuts across tracks, so only a sum of published cohorts is safe to publish)."""
    total, hidden = domain.Counts(), set()
    for o, _, c, h in cohorts:
        if lo < key(o) <= hi:
            total, hidden = total + c, hidden | h
    return total, domain.primary_hidden(total) | hidden


def overview(session: Session, *, now: datetime, min_cell: int = domain.MIN_CELL) -> Overview:
    today = catalogue_rules.local_date(now)
    day_start = datetime.combine(today, datetime.min.time(), tzinfo=CITY_ZONE)
    yesterday = day_start - timedelta(days=1)
    applications = session.execute(select(func.count()).select_from(E).where(E.applied_at >= day_start)).scalar_one()
    applications_prev = session.execute(select(func.count()).select_from(E).where(
        E.applied_at >= yesterday, E.applied_at < day_start)).scalar_one()

    def waitlist_at(t: datetime) -> int:
        # frozen waitlists of started cohorts are history, not people still waiting
        return session.execute(select(func.count()).select_from(E).join(Offering, Offering.id == E.offering_id).where(
            Offering.starts_on > today, E.waitlist_seq.is_not(None), E.applied_at <= t,
            (E.waitlist_left_at.is_(None)) | (E.waitlist_left_at > t))).scalar_one()

    def fill_at(t: datetime) -> float | None:
        open_ids = session.execute(select(Offering.id, Offering.capacity).where(
            Offering.opens_at <= now, Offering.ends_on >= today)).all()
        capacity = sum(c for _, c in open_ids)
        if not capacity:
            return None
        held = session.execute(select(func.count()).select_from(E).where(
            E.offering_id.in_([i for i, _ in open_ids]), E.seat_claimed_at <= t,
            (E.seat_released_at.is_(None)) | (E.seat_released_at > t))).scalar_one()
        return round(held / capacity, 4)

    cohorts, _, _ = suppressed_rows(session, today=today, min_cell=min_cell)
    rows = [(o, t, c) for o, t, c, _ in cohorts]
    year = timedelta(days=365)
    ended = [_window_counts(cohorts, lo=today - k * year - year, hi=today - k * year, key=lambda o: o.ends_on)
             for k in (0, 1)]
    due6 = [_window_counts(cohorts, lo=today - k * year - year, hi=today - k * year,
                           key=lambda o: domain.checkpoint_date(o.ends_on, 6) + timedelta(days=1)) for k in (0, 1)]
    now_r, prev_r = domain.rates(*ended[0]), domain.rates(*ended[1])
    now6, prev6 = domain.rates(*due6[0]), domain.rates(*due6[1])
    figures = [
        Figure(key="applications", higher_is_better=True, value=applications,
               previous=applications_prev),
        Figure(key="fill_rate", higher_is_better=True, unit="ratio",
               value=fill_at(now), previous=fill_at(now - timedelta(days=1))),
        Figure(key="waitlist_length", higher_is_better=False, value=waitlist_at(now),
               previous=waitlist_at(now - timedelta(days=1))),
        Figure(key="completion_rate", higher_is_better=True, unit="ratio",
               value=now_r["completion_rate"], previous=prev_r["completion_rate"],
               suppressed="completion_rate" in now_r["suppressed"]),
        Figure(key="employment_rate_6m", higher_is_better=True, unit="ratio",
               value=now6["employment_rate_6m"], previous=prev6["employment_rate_6m"],
               suppressed="employment_rate_6m" in now6["suppressed"]),
        Figure(key="partner_hire_share", higher_is_better=True, unit="ratio",
               value=now6["partner_hire_share"], previous=prev6["partner_hire_share"],
               suppressed="partner_hire_share" in now6["suppressed"]),
    ]
    expiring = session.execute(select(func.count()).select_from(E).where(
        E.status == "offered", E.offer_expires_at <= now + timedelta(hours=24))).scalar_one()
    stuck = session.execute(select(func.count()).select_from(Notification).where(
        Notification.sent_at.is_(None), Notification.created_at <= now - timedelta(hours=1))).scalar_one()
    missing = 0
    for o, _, _c in rows:
        if today >= domain.checkpoint_date(o.ends_on, 6):
            missing += session.execute(select(func.count()).select_from(E).where(
                E.offering_id == o.id, E.enrolled_at.is_not(None),
                ~select(Outcome.id).where(Outcome.enrolment_id == E.id, Outcome.checkpoint_months == 6).exists(),
            )).scalar_one()
    attention = [a for a in (
        Attention(key="offers_expiring", count=expiring, severity="info"),
        Attention(key="notifications_stuck", count=stuck, severity="warning"),
        Attention(key="outcomes_missing", count=missing, severity="warning"),
    ) if a.count]
    return Overview(service="talent_academy", as_of=now, figures=figures, attention=attention)
