"""Pure rules of outcomes: completion criteria, the indicator definitions and their suppression (no session,
no clock). Each indicator's definition and source is data (DEFINITIONS) and is shown with the figure.

An outcome counts by the date it happened (the first day of the job, `employed_on`), not the date it was
recorded (shared/DOMAIN.md "Talent academy"). Small cells are suppressed so that no subtraction of published
rows (cohort, track, city) gives a hidden figure back: see `suppress`.
"""

from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

# Completion criteria an offering may carry; the defaults are the (attendance >= 80%, the
# K-Digital Training rule for completing a course) plus the academy's project and assessment bars.
DEFAULT_CRITERIA = {"min_attendance_ratio": 0.8, "min_projects": 2, "min_assessment_score": 60.0}
CHECKPOINTS = (3, 6)
MIN_CELL = 5
CIRR_WINDOW_DAYS = 180
EVIDENCE_SOURCES = ("survey", "employment_insurance", "partner_hire", "employer_letter")

DEFINITIONS = {
    "completion_rate": {
        "definition": "completers / starters, once the cohort has ended (a starter holds a seat at the start; "
                      "dropouts stay in the denominator)",
        "definition_ko": "수료생 / 과정 시작 인원 (중도 탈락자 포함), 과정 종료 후",
        "source": "K-Digital Training completion rule (attendance of 80% or more), Ministry of Employment and Labor"},
    "employment_rate_3m": {
        "definition": "completers employed within 3 months of the course end / completers",
        "definition_ko": "과정 종료 후 3개월 내 취업한 수료생 / 수료생",
        "source": "the academy's own early reading, on the K-Digital Training rule below with a 3-month window"},
    "employment_rate_6m": {
        "definition": "completers employed within 6 months of the course end / completers (K-Digital Training)",
        "definition_ko": "과정 종료 후 6개월 내 취업한 수료생 / 수료생 (K-디지털 트레이닝)",
        "source": "K-Digital Training: '과정종료 후 6개월 내 수료생 취업실적', Ministry of Employment and Labor, "
                  "2022-12-06 (reported 67-68%)"},
    "in_field_rate_180d": {
        "definition": "graduates in an in-field job obtained within 180 days of the end / everyone who enrolled "
                      "(CIRR)",
        "definition_ko": "과정 종료 후 180일 내 전공 분야에 취업한 수료생 / 등록한 전체 인원 (CIRR)",
        "source": "CIRR (Council on Integrity in Results Reporting) standard: in-field employment within 180 days, "
                  "over every enrolled student"},
    "partner_hire_share": {
        "definition": "completers hired by a partner company within 6 months of the end / completers employed "
                      "within 6 months",
        "definition_ko": "6개월 내 협력사에 취업한 수료생 / 6개월 내 취업한 수료생",
        "source": "the academy's partner-hiring commitments (the model programme: ~40 of 423 completers in the group)"},
}


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


def months_after(day: date, months: int) -> date:
    return add_months(day, months)


@dataclass(frozen=True)
class LearnerRecord:
    """One enrolment as the indicators see it. `employed_on` is the first day of the earliest job recorded;
    `in_field_on` / `partner_on` the first day of the earliest in-field / partner job."""

    status: str
    enrolled_at: datetime | None
    withdrawn_at: datetime | None
    completion_status: str | None = None
    employed_on: date | None = None
    in_field_on: date | None = None
    partner_on: date | None = None


def is_starter(r: LearnerRecord, start: datetime) -> bool:
    """Holds a seat, or held one when the cohort started (a dropout still counts)."""
    if r.status in ("enrolled", "offered"):
        return True
    return r.enrolled_at is not None and r.withdrawn_at is not None and r.withdrawn_at >= start


def _within(day: date | None, last: date) -> bool:
    return day is not None and day <= last


@dataclass
class Counts:
    applications: int = 0
    capacity: int = 0
    starters: int = 0
    waitlisted: int = 0
    ended_starters: int = 0
    completed: int = 0
    due_3m_completers: int = 0
    employed_3m: int = 0
    due_6m_completers: int = 0
    employed_6m: int = 0
    partner_hires_6m: int = 0
    due_180d_starters: int = 0
    in_field_180d: int = 0

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})


def cohort_counts(records: list[LearnerRecord], *, capacity: int, start: datetime, ends_on: date,
                  today: date) -> Counts:
    """A window counts once it has closed (today is past its last day): until then a figure is not due."""
    c = Counts(applications=len(records), capacity=capacity)
    starters = [r for r in records if is_starter(r, start)]
    completers = [r for r in starters if r.completion_status == "completed"]
    c.starters = len(starters)
    c.waitlisted = sum(r.status == "waitlisted" for r in records)
    if today > ends_on:
        c.ended_starters = c.starters
        c.completed = len(completers)
    last_3m, last_6m = add_months(ends_on, 3), add_months(ends_on, 6)
    last_180d = ends_on + timedelta(days=CIRR_WINDOW_DAYS)
    if today > last_3m:
        c.due_3m_completers = len(completers)
        c.employed_3m = sum(_within(r.employed_on, last_3m) for r in completers)
    if today > last_6m:
        c.due_6m_completers = len(completers)
        c.employed_6m = sum(_within(r.employed_on, last_6m) for r in completers)
        c.partner_hires_6m = sum(_within(r.partner_on, last_6m) for r in completers)
    if today > last_180d:
        c.due_180d_starters = len(starters)
        c.in_field_180d = sum(_within(r.in_field_on, last_180d) for r in completers)  # graduates only
    return c


# key -> (numerator, denominator) attribute of Counts; "starters" is a published count, suppressed like a rate
CELLS = {
    "starters": ("starters", "starters"),
    "completion_rate": ("completed", "ended_starters"),
    "employment_rate_3m": ("employed_3m", "due_3m_completers"),
    "employment_rate_6m": ("employed_6m", "due_6m_completers"),
    "in_field_rate_180d": ("in_field_180d", "due_180d_starters"),
    "partner_hire_share": ("partner_hires_6m", "employed_6m"),
}
# a figure hidden with another: the fill rate gives the starters back, the partner share's denominator is the
# 6-month employment numerator, and the completion rate over the starters gives the starters back
FOLLOWS = {"partner_hire_share": ("employment_rate_6m",), "completion_rate": ("starters",)}
RATE_KEYS = [k for k in CELLS if k != "starters"]


def _follow(hidden: set[str]) -> set[str]:
    out = set(hidden)
    for key, parents in FOLLOWS.items():
        if any(p in out for p in parents):
            out.add(key)
    return out


def primary_hidden(c: Counts, *, min_cell: int = MIN_CELL) -> set[str]:
    """Cells about fewer than `min_cell` people (but some)."""
    return _follow({k for k, (_, den) in CELLS.items() if 0 < getattr(c, den) < min_cell})


def suppress(groups: dict[str, list[Counts]], *, min_cell: int = MIN_CELL
             ) -> tuple[dict[str, list[set[str]]], dict[str, set[str]], set[str]]:
    """Which cells to hide in the cohort rows (per track, in order), the track rows and the city row.

    A cell is hidden when it is about fewer than `min_cell` people (primary). A track or city cell is hidden
    too when exactly one of its parts hides that cell: else the parent minus the published parts would give
    the hidden part back. With two or more hidden parts the subtraction gives only their sum, and since every
    cohort is in one track and every track in the city, no other published row tells them apart (checked by
    brute force over every linear combination in tests/talent_academy/test_domain.py)."""
    cohorts = {t: [primary_hidden(c, min_cell=min_cell) for c in parts] for t, parts in groups.items()}
    tracks: dict[str, set[str]] = {}
    for t, parts in groups.items():
        total = sum(parts, Counts())
        hidden = primary_hidden(total, min_cell=min_cell)
        hidden |= {k for k in CELLS if sum(k in h for h in cohorts[t]) == 1}
        tracks[t] = _follow(hidden)
    city_total = sum((sum(parts, Counts()) for parts in groups.values()), Counts())
    city = primary_hidden(city_total, min_cell=min_cell)
    city |= {k for k in CELLS if sum(k in h for h in tracks.values()) == 1}
    return cohorts, tracks, _follow(city)


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def rates(c: Counts, hidden: set[str] | frozenset = frozenset()) -> dict:
    """The published row: hidden cells are null and named in `suppressed`."""
    out = {"applications": c.applications, "capacity": c.capacity,
           "starters": None if "starters" in hidden else c.starters, "waitlist_length": c.waitlisted,
           "fill_rate": None if "starters" in hidden else _ratio(c.starters, c.capacity),
           "completers": None if "completion_rate" in hidden else c.completed}
    for key in RATE_KEYS:
        num, den = CELLS[key]
        out[key] = None if key in hidden else _ratio(getattr(c, num), getattr(c, den))
    out["suppressed"] = [k for k in CELLS if k in hidden]
    return out


def observation_problem(*, observed_on: date, employed_on: date | None, employed: bool, starts_on: date,
                        today: date) -> tuple[str, str] | None:
    """(code, message) when an outcome's dates cannot be true, else None: evidence and job start lie between
    the programme's start and today, and a job cannot start after the evidence of it."""
    if observed_on > today:
        return "observation_in_future", f"observed_on {observed_on} is after today ({today})"
    if observed_on < starts_on:
        return "observation_before_programme", f"observed_on {observed_on} is before the programme ({starts_on})"
    if employed and employed_on is None:
        return "employment_date_missing", "an employed outcome needs employed_on, the first day of the job"
    if employed_on is not None:
        if employed_on < starts_on:
            return "employment_before_programme", f"employed_on {employed_on} is before the programme ({starts_on})"
        if employed_on > observed_on:
            return "employment_after_observation", f"employed_on {employed_on} is after observed_on {observed_on}"
    return None
