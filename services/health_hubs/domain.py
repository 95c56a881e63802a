"""Pure rules of the health hubs: Korean name matching, sitting averages, plausibility, next steps, month
windows and small-cell suppression. No session, no clock."""

import math
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz

from services.common import i18n
from services.health_hubs.rules import BpClassification, RuleSet, classify_bp, classify_glucose

SEOUL = ZoneInfo("Asia/Seoul")

# ---- Korean-aware name matching ---------------------------------------------------------------------------

_LEADS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_VOWELS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
_TAILS = ("", "ㄱ", "ㄲ", "ㄳ", "ㄴ", "ㄵ", "ㄶ", "ㄷ", "ㄹ", "ㄺ", "ㄻ", "ㄼ", "ㄽ", "ㄾ", "ㄿ", "ㅀ", "ㅁ", "ㅂ",
          "ㅄ", "ㅅ", "ㅆ", "ㅇ", "ㅈ", "ㅊ", "ㅋ", "ㅌ", "ㅍ", "ㅎ")
_SYLLABLE_FIRST, _SYLLABLE_LAST = 0xAC00, 0xD7A3


def to_jamo(text: str) -> str:
    """Decomposes Hangul syllables into compatibility jamo (한 -> ㅎㅏㄴ): a one-letter slip in a syllable then
    costs one jamo, not a whole syllable. Latin letters are case-folded; spaces and punctuation dropped."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        code = ord(ch)
        if _SYLLABLE_FIRST <= code <= _SYLLABLE_LAST:
            index = code - _SYLLABLE_FIRST
            out.append(_LEADS[index // 588] + _VOWELS[(index % 588) // 28] + _TAILS[index % 28])
        elif ch.isalnum():
            out.append(ch.casefold())
    return "".join(out)


def initials(family_name: str, given_name: str) -> str:
    """What a kiosk may show: 김영희 -> 김OO; Latin names -> K. Y."""
    family = family_name.strip()
    if family and _SYLLABLE_FIRST <= ord(family[0]) <= _SYLLABLE_LAST:
        return family + "O" * max(len(given_name.strip()), 1)
    return f"{family[:1].upper()}. {given_name.strip()[:1].upper()}."


def normalise_phone(phone: str | None) -> str | None:
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    if digits.startswith("82") and len(digits) >= 11:  # +82 10 ... -> 010 ...
        digits = "0" + digits[2:]
    return digits or None


@dataclass(frozen=True)
class Person:
    family_name: str
    given_name: str
    birth_date: date
    sex: str
    phone: str | None = None
    centre_id: str | None = None


MATCH_WEIGHTS = {"name": 45, "birth_date": 30, "sex": 5, "phone": 15, "centre": 5}
LIKELY_DUPLICATE_SCORE = 75.0


def _birth_similarity(a: date, b: date) -> float:
    if a == b:
        return 1.0
    if a.year == b.year and a.month == b.day and a.day == b.month:
        return 0.8  # day and month swapped
    same = (a.year == b.year) + (a.month == b.month) + (a.day == b.day)
    if same == 2:
        return 0.6  # one part mistyped (or a lunar/solar slip of the day)
    return 0.0


def match_score(query: Person, candidate: Person) -> tuple[float, list[str]]:
    """0-100 likeness of two records, with the reasons; names are compared on their jamo."""
    reasons = []
    name_sim = fuzz.ratio(to_jamo(query.family_name + query.given_name),
                          to_jamo(candidate.family_name + candidate.given_name)) / 100.0
    if name_sim >= 0.999:
        reasons.append("same_name")
    elif name_sim >= 0.8:
        reasons.append("similar_name")
    birth_sim = _birth_similarity(query.birth_date, candidate.birth_date)
    if birth_sim == 1.0:
        reasons.append("same_birth_date")
    elif birth_sim > 0:
        reasons.append("similar_birth_date")
    score = MATCH_WEIGHTS["name"] * name_sim + MATCH_WEIGHTS["birth_date"] * birth_sim
    if query.sex == candidate.sex:
        score += MATCH_WEIGHTS["sex"]
    qp, cp = normalise_phone(query.phone), normalise_phone(candidate.phone)
    if qp and cp:
        if qp == cp:
            score += MATCH_WEIGHTS["phone"]
            reasons.append("same_phone")
        elif qp[-4:] == cp[-4:]:
            score += MATCH_WEIGHTS["phone"] / 2
            reasons.append("same_phone_last4")
    elif not qp or not cp:
        score += MATCH_WEIGHTS["phone"] * 0.3  # unknown phone: neither for nor against
    if query.centre_id and query.centre_id == candidate.centre_id:
        score += MATCH_WEIGHTS["centre"]
        reasons.append("same_centre")
    return round(score, 1), reasons


# ---- kiosk readings ---------------------------------------------------------------------------------------

class ReadingRejected(ValueError):
    """A reading the service refuses, with a stable code."""

    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code, self.detail = code, detail


DISCARD_FLAGS = {"body_movement", "cuff_loose"}  # BLE 0x2A35 status bits that void one measurement
PROTOCOL_MIN_MEASUREMENTS = 2
PROTOCOL_MIN_IF_IRREGULAR = 3


@dataclass(frozen=True)
class Sitting:
    systolic: int
    diastolic: int
    map_mmhg: int | None
    pulse_bpm: int | None
    used: int
    discarded: int
    protocol_complete: bool
    flags: tuple[str, ...]


def _round_half_up(x: float) -> int:
    return int(math.floor(x + 0.5))


def check_bp_measurement(m: dict, rules: RuleSet) -> None:
    lo, hi = rules.systolic_range
    if not lo <= m["systolic"] <= hi:
        raise ReadingRejected("implausible_systolic", f"systolic {m['systolic']} outside {lo}-{hi} mmHg")
    lo, hi = rules.diastolic_range
    if not lo <= m["diastolic"] <= hi:
        raise ReadingRejected("implausible_diastolic", f"diastolic {m['diastolic']} outside {lo}-{hi} mmHg")
    if m["systolic"] < m["diastolic"]:
        raise ReadingRejected("systolic_below_diastolic", "systolic must be at least diastolic")
    if m.get("pulse_bpm") is not None:
        lo, hi = rules.pulse_range
        if not lo <= m["pulse_bpm"] <= hi:
            raise ReadingRejected("implausible_pulse", f"pulse {m['pulse_bpm']} outside {lo}-{hi} /min")


def average_sitting(measurements: list[dict], rules: RuleSet) -> Sitting:
    """Protocol: >= 2 readings 1-2 min apart, averaged (3 if the pulse is irregular). Measurements flagged for
    body movement or a loose cuff are kept raw but left out of the average."""
    for m in measurements:
        check_bp_measurement(m, rules)
    used = [m for m in measurements if not DISCARD_FLAGS & set(m.get("flags") or ())]
    if not used:
        raise ReadingRejected("no_valid_measurement", "every measurement was flagged (movement or cuff)")
    flags = sorted({f for m in measurements for f in (m.get("flags") or ())})
    needed = PROTOCOL_MIN_IF_IRREGULAR if "irregular_pulse" in flags else PROTOCOL_MIN_MEASUREMENTS

    def mean(key):
        values = [m[key] for m in used if m.get(key) is not None]
        return _round_half_up(sum(values) / len(values)) if values else None

    return Sitting(
        systolic=mean("systolic"), diastolic=mean("diastolic"), map_mmhg=mean("map_mmhg"),
        pulse_bpm=mean("pulse_bpm"), used=len(used), discarded=len(measurements) - len(used),
        protocol_complete=len(used) >= needed, flags=tuple(flags),
    )


def check_glucose(glucose_mg_dl: int, sample_type: str, rules: RuleSet) -> None:
    if sample_type == "control_solution":
        raise ReadingRejected("control_solution_sample", "a control-solution test is not a resident's reading")
    lo, hi = rules.glucose_range
    if not lo <= glucose_mg_dl <= hi:
        raise ReadingRejected("implausible_glucose", f"glucose {glucose_mg_dl} outside {lo}-{hi} mg/dL")


# Plain-language next steps for the kiosk screen: what to do now, never a diagnosis.
NEXT_STEPS: dict[str, dict[str, str]] = i18n.messages("health_next_steps")  # what to do now, never a diagnosis

ALERT_CATEGORIES = {"crisis": "bp_crisis", "hypo_level1": "hypoglycaemia", "hypo_level2": "hypoglycaemia"}
UNCONTROLLED_CATEGORIES = {"hypertension_grade1", "hypertension_grade2", "isolated_systolic", "crisis"}


def bp_next_step(bp: BpClassification, protocol_complete: bool, rules: RuleSet) -> str:
    """From all three of grade, crisis and isolated systolic: a crisis calls for help now; grade 2 (isolated
    systolic or not: ESH grades isolated systolic hypertension by its systolic, so >= 160 is grade 2) sees the
    nurse today; an incomplete protocol measures again; grade 1 (isolated or not) sees the nurse at the next visit.
    So the isolated flag moves the step only through its grade, and a crisis decides whatever the grade."""
    if bp.crisis:
        return "call_119"
    if bp.grade == "hypertension_grade2":
        return "see_nurse_today"
    if not protocol_complete:
        return "remeasure"
    if bp.grade == "hypertension_grade1":
        return "see_nurse"
    return "none"


def glucose_next_step(category: str) -> str:
    if category in ("hypo_level1", "hypo_level2"):
        return "eat_sugar_tell_staff"
    if category in ("diabetes_range", "impaired_fasting", "impaired_tolerance"):
        return "see_nurse"
    return "none"


def classify_reading(kind: str, values: dict, rules: RuleSet) -> tuple[str, str]:
    """(category, next step) of a stored reading's values under `rules`: the shape care and readings code read.
    `classify_reading_detail` adds the BP grade and flags."""
    detail = classify_reading_detail(kind, values, rules)
    return detail["category"], detail["next_step"]


def classify_reading_detail(kind: str, values: dict, rules: RuleSet) -> dict:
    """{category, next_step} and, for BP, {grade, isolated_systolic, crisis, flags}; grade is always present."""
    if kind == "bp":
        bp = classify_bp(values["systolic"], values["diastolic"], rules)
        return {**bp.as_dict(), "next_step": bp_next_step(bp, values.get("protocol_complete", True), rules)}
    category = classify_glucose(values["glucose_mg_dl"], values["meal_context"], rules)
    return {"category": category, "next_step": glucose_next_step(category)}


# ---- months in Asia/Seoul ---------------------------------------------------------------------------------

def month_start(year: int, month: int) -> datetime:
    """The first instant of a Seoul calendar month, in UTC."""
    while month < 1:
        year, month = year - 1, month + 12
    while month > 12:
        year, month = year + 1, month - 12
    return datetime(year, month, 1, tzinfo=SEOUL).astimezone(UTC)


def parse_month(text: str) -> tuple[int, int]:
    year, _, month = text.partition("-")
    y, m = int(year), int(month)
    if not 1 <= m <= 12 or not 2000 <= y <= 2100:
        raise ValueError("month must be YYYY-MM")
    return y, m


def month_of(instant: datetime) -> str:
    local = instant.astimezone(SEOUL)
    return f"{local.year:04d}-{local.month:02d}"


def add_months(month: str, delta: int) -> str:
    y, m = parse_month(month)
    index = y * 12 + (m - 1) + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@dataclass(frozen=True)
class MonthWindows:
    """Simple's windows for a report month M: registered before M-2 (i.e. >= 3 months ago), the 3-month window
    M-2..M, the 12-month window M-11..M; all ending at the end of M."""

    end: datetime
    start3: datetime
    start12: datetime
    registered_before: datetime
    month_start: datetime


def windows(month: str) -> MonthWindows:
    y, m = parse_month(month)
    return MonthWindows(end=month_start(y, m + 1), start3=month_start(y, m - 2), start12=month_start(y, m - 11),
                        registered_before=month_start(y, m - 2), month_start=month_start(y, m))


# ---- small-cell suppression -------------------------------------------------------------------------------

SMALL_CELL = 5
BP_GROUPS = ("controlled", "uncontrolled", "missed_visit", "visited_no_bp")


def suppress_cell(counts: dict[str, int], *, small: int = SMALL_CELL) -> set[str]:
    """Names of the counts to hide: every count 1..small-1, plus, among the four BP groups that sum to the
    denominator, one more when only one is hidden (else it could be recovered by subtraction)."""
    hidden = {k for k, v in counts.items() if v is not None and 0 < v < small}
    groups = [g for g in BP_GROUPS if g in counts]
    if "denominator" not in hidden and len(groups) == len(BP_GROUPS):
        hidden_groups = [g for g in groups if g in hidden]
        if len(hidden_groups) == 1:
            others = sorted((counts[g], g) for g in groups if g not in hidden)
            nonzero = [g for v, g in others if v > 0] or [g for _, g in others]
            hidden.add(nonzero[0])
    return hidden
