"""Pure rules of outcomes: completion criteria and the indicator definitions (no session, no clock).

Definitions (each indicator per offering/cohort, summed per track):
- applications: every application recorded, whatever became of it.
- fill rate: starters / capacity, a starter being anyone holding a seat now or who left after the start.
- completion rate: completed / starters, once the cohort has ended.
- employment rate at 3 / 6 months: employed at that checkpoint / starters, once the checkpoint date has
  passed. Every starter stays in the denominator, dropouts and learners without a recorded outcome
  included (CIRR's rule, shared/DOMAIN.md; K-Digital Training reports 67-68% at 6 months).
- in-field rate at 6 months: employed in the field of their track / starters.
- partner-hire share: hired by a partner company / employed, at 6 months.
Rates over fewer than MIN_CELL people are suppressed (null), so a small cohort does not expose individuals.
"""

from dataclasses import dataclass, fields
from datetime import date, datetime

# Completion criteria an offering may carry; the defaults are the (attendance >= 80%, the
# K-Digital Training rule for completing a course) plus the academy's project and assessment bars.
DEFAULT_CRITERIA = {"min_attendance_ratio": 0.8, "min_projects": 2, "min_assessment_score": 60.0}
CHECKPOINTS = (3, 6)
MIN_CELL = 5


def criteria(overrides: dict | None) -> dict:
    return {**DEFAULT_CRITERIA, **(overrides or {})}


def evaluate_completion(rules: dict, *, sessions_total: int, sessions_attended: int, projects_passed: int,
                        assessment_score: float | None) -> tuple[bool, list[str]]:
    """(completed?, the criteria not met)."""
    rules = criteria(rules)
    unmet = []
    ratio = sessions_attended / sessions_total if sessions_total else 0.0
    if ratio < rules["min_attendance_ratio"]:
        unmet.append(f"attendance {ratio:.0%} under {rules['min_attendance_ratio']:.0%}")
    if projects_passed < rules["min_projects"]:
        unmet.append(f"{projects_passed} projects passed of {rules['min_projects']} required")
    if assessment_score is None or assessment_score < rules["min_assessment_score"]:
        unmet.append(f"assessment {assessment_score} under {rules['min_assessment_score']}")
    return not unmet, unmet


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def checkpoint_date(ends_on: date, months: int) -> date:
    return add_months(ends_on, months)


@dataclass(frozen=True)
class LearnerRecord:
    status: str
    enrolled_at: datetime | None
    withdrawn_at: datetime | None
    completion_status: str | None = None
    employed_3m: bool | None = None
    employed_6m: bool | None = None
    in_field_6m: bool | None = None
    partner_hire_6m: bool | None = None


def is_starter(r: LearnerRecord, start: datetime) -> bool:
    """Holds a seat, or held one when the cohort started (a dropout still counts)."""
    if r.status in ("enrolled", "offered"):
        return True
    return r.enrolled_at is not None and r.withdrawn_at is not None and r.withdrawn_at >= start


@dataclass
class Counts:
    applications: int = 0
    capacity: int = 0
    starters: int = 0
    waitlisted: int = 0
    ended_starters: int = 0
    completed: int = 0
    due_3m_starters: int = 0
    employed_3m: int = 0
    due_6m_starters: int = 0
    employed_6m: int = 0
    in_field_6m: int = 0
    partner_hires_6m: int = 0

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})


def cohort_counts(records: list[LearnerRecord], *, capacity: int, start: datetime, ends_on: date,
                  today: date) -> Counts:
    c = Counts(applications=len(records), capacity=capacity)
    starters = [r for r in records if is_starter(r, start)]
    c.starters = len(starters)
    c.waitlisted = sum(r.status == "waitlisted" for r in records)
    if today > ends_on:
        c.ended_starters = c.starters
        c.completed = sum(r.completion_status == "completed" for r in starters)
    if today >= checkpoint_date(ends_on, 3):
        c.due_3m_starters = c.starters
        c.employed_3m = sum(bool(r.employed_3m) for r in starters)
    if today >= checkpoint_date(ends_on, 6):
        c.due_6m_starters = c.starters
        c.employed_6m = sum(bool(r.employed_6m) for r in starters)
        c.in_field_6m = sum(bool(r.employed_6m and r.in_field_6m) for r in starters)
        c.partner_hires_6m = sum(bool(r.employed_6m and r.partner_hire_6m) for r in starters)
    return c


def _rate(numerator: int, denominator: int, *, min_cell: int) -> tuple[float | None, bool]:
    if denominator == 0:
        return None, False
    if denominator < min_cell:
        return None, True
    return round(numerator / denominator, 4), False


def rates(c: Counts, *, min_cell: int = MIN_CELL) -> dict:
    out = {"applications": c.applications, "capacity": c.capacity, "starters": c.starters,
           "waitlist_length": c.waitlisted,
           "fill_rate": round(c.starters / c.capacity, 4) if c.capacity else None}
    suppressed = []
    for key, num, den in (
        ("completion_rate", c.completed, c.ended_starters),
        ("employment_rate_3m", c.employed_3m, c.due_3m_starters),
        ("employment_rate_6m", c.employed_6m, c.due_6m_starters),
        ("in_field_rate_6m", c.in_field_6m, c.due_6m_starters),
        ("partner_hire_share", c.partner_hires_6m, c.employed_6m),
    ):
        out[key], hidden = _rate(num, den, min_cell=min_cell)
        if hidden:
            suppressed.append(key)
    out["suppressed"] = suppressed
    return out
