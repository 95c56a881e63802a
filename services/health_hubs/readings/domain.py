"""Pure rules of kiosk readings: plausibility, a sitting's average, classification under a rule set
(readings/rules.py) and the plain-language next step. No session, no clock."""

import math
from dataclasses import dataclass

from services.common import i18n
from services.health_hubs.readings.rules import BP_FLAGS, RuleSet

# ---- classification (the rule set's cut-offs applied) ------------------------------------------------------

@dataclass(frozen=True)
class BpClassification:
    """A BP reading's guideline grade, always, with `isolated_systolic` and `crisis` as separate flags, so a
    reader can tell grade 1 from grade 2 isolated systolic hypertension, and the grade of a crisis reading."""

    grade: str
    isolated_systolic: bool
    crisis: bool

    @property
    def flags(self) -> tuple[str, ...]:
        return tuple(f for f in BP_FLAGS if getattr(self, f))

    @property
    def category(self) -> str:
        """The one-word category stored on a reading and read by care/alerts (kept for them): crisis first, then
        isolated systolic, else the grade. Grade and flags are in the other fields."""
        return "crisis" if self.crisis else "isolated_systolic" if self.isolated_systolic else self.grade

    def as_dict(self) -> dict:
        return {"grade": self.grade, "isolated_systolic": self.isolated_systolic, "crisis": self.crisis,
                "flags": list(self.flags), "category": self.category}


def bp_grade(systolic: int, diastolic: int, rules: RuleSet) -> str:
    """The guideline grade by the higher of systolic and diastolic (ESH / KSH); every band starts AT its cut-off."""
    for grade, sys_min, dia_min in rules.bp_grades:
        if systolic >= sys_min or (dia_min is not None and diastolic >= dia_min):
            return grade
    return "normal"


def classify_bp(systolic: int, diastolic: int, rules: RuleSet) -> BpClassification:
    return BpClassification(
        grade=bp_grade(systolic, diastolic, rules),
        isolated_systolic=(systolic >= rules.isolated_systolic_at_least
                           and diastolic < rules.isolated_systolic_diastolic_below),
        crisis=systolic > rules.crisis_systolic_above or diastolic > rules.crisis_diastolic_above,
    )


def classify_glucose(glucose_mg_dl: int, meal_context: str, rules: RuleSet) -> str:
    if glucose_mg_dl < rules.hypo_level2_below:
        return "hypo_level2"
    if glucose_mg_dl < rules.hypo_level1_below:
        return "hypo_level1"
    category = "normal"
    for name, at_least in rules.glucose_bands[meal_context]:
        if glucose_mg_dl >= at_least:
            category = name
    return category

# ---- a sitting's measurements ------------------------------------------------------------------------------

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
