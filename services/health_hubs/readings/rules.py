"""Classification rules as versioned data with their sources (readings/domain.py and indicators/domain.py apply
them).

A reading stores the category and the `version` of the rule set that classified it; when the active version
changes (settings.rules_version), the job health_hubs.reclassify_readings brings history up to date.
"""

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class RuleSet:
    version: str
    effective_date: str
    sources: dict[str, str]
    # BP (mmHg). Crisis is strictly above the cut-offs; every other band starts AT its cut-off.
    crisis_systolic_above: int
    crisis_diastolic_above: int
    # highest first: (category, systolic at least, diastolic at least or None); first match of either wins
    bp_grades: tuple[tuple[str, int, int | None], ...]
    isolated_systolic_at_least: int
    isolated_systolic_diastolic_below: int
    see_nurse_today_systolic_at_least: int
    # glucose (mg/dL)
    hypo_level2_below: int
    hypo_level1_below: int
    # per meal context, ascending: (category, at least)
    glucose_bands: dict[str, tuple[tuple[str, int], ...]]
    # plausibility
    systolic_range: tuple[int, int]
    diastolic_range: tuple[int, int]
    glucose_range: tuple[int, int]
    pulse_range: tuple[int, int]
    # indicators
    controlled_below: tuple[int, int]
    glucose_indicator_bands: dict[str, tuple[int, int]] = field(default_factory=dict)


KSH_2022 = RuleSet(
    version="ksh2022.1",
    effective_date="2025-01-01",
    sources={
        "bp_categories": "Korean Society of Hypertension 2018 guideline (Clin Hypertens 2019, "
        "doi:10.1186/s40885-019-0121-0), classification kept by the 2022 focused update; grade by the higher of "
        "systolic and diastolic (ESH)",
        "crisis": "ACC/AHA 2017: hypertensive crisis > 180 and/or > 120 mmHg",
        "glucose_bands": "ADA Standards of Care / Korean Diabetes Association: fasting < 100 normal, 100-125 "
        "impaired, >= 126 diabetes range; 2-hour 140-199 impaired, 2-hour or random >= 200 diabetes range",
        "hypoglycaemia": "ADA: level 1 < 70 mg/dL, level 2 < 54 mg/dL",
        "plausibility": "Simple (simpledotorg/simple-android): systolic 70-300, diastolic 40-180, "
        "systolic >= diastolic; glucose 30-1000 mg/dL",
        "control": "Simple / WHO HEARTS (simpledotorg/simple-server): controlled = latest BP < 140/90",
        "glucose_indicator": "Simple (simple-server diabetes reports, WHO standard): random/post-prandial "
        "< 200, 200-299, >= 300; fasting < 126, 126-199, >= 200 mg/dL",
    },
    crisis_systolic_above=180,
    crisis_diastolic_above=120,
    bp_grades=(
        ("hypertension_grade2", 160, 100),
        ("hypertension_grade1", 140, 90),
        ("prehypertension", 130, 80),
        ("elevated", 120, None),
    ),
    isolated_systolic_at_least=140,
    isolated_systolic_diastolic_below=90,
    see_nurse_today_systolic_at_least=160,
    hypo_level2_below=54,
    hypo_level1_below=70,
    glucose_bands={
        "fasting": (("normal", 0), ("impaired_fasting", 100), ("diabetes_range", 126)),
        "postprandial": (("normal", 0), ("impaired_tolerance", 140), ("diabetes_range", 200)),
        "random": (("normal", 0), ("diabetes_range", 200)),
    },
    systolic_range=(70, 300),
    diastolic_range=(40, 180),
    glucose_range=(30, 1000),
    pulse_range=(20, 250),
    controlled_below=(140, 90),
    # (first cut, second cut): band 1 below the first, band 2 between, band 3 at or above the second
    glucose_indicator_bands={"fasting": (126, 200), "postprandial": (200, 300), "random": (200, 300)},
)

RULE_SETS: dict[str, RuleSet] = {KSH_2022.version: KSH_2022}
DEFAULT_RULES_VERSION = KSH_2022.version

BP_CATEGORIES = ("normal", "elevated", "prehypertension", "hypertension_grade1", "isolated_systolic",
                 "hypertension_grade2", "crisis")
# The guideline grade alone (KSH 2018/2022, by the higher of systolic and diastolic), always present.
BP_GRADES = ("normal", "elevated", "prehypertension", "hypertension_grade1", "hypertension_grade2")
BP_FLAGS = ("isolated_systolic", "crisis")
GLUCOSE_CATEGORIES = ("normal", "impaired_fasting", "impaired_tolerance", "diabetes_range", "hypo_level1",
                      "hypo_level2")
MEAL_CONTEXTS = ("fasting", "postprandial", "random")


def rule_set(version: str) -> RuleSet:
    try:
        return RULE_SETS[version]
    except KeyError:
        raise ValueError(f"unknown rules version {version!r}") from None


def rules_as_dict(rules: RuleSet) -> dict:
    return asdict(rules)
