"""Pure rules of the indicators (Simple / WHO HEARTS): a report month's windows, what counts as controlled, the
glucose bands, and small-cell suppression. No session, no clock."""

from dataclasses import dataclass
from datetime import datetime

from services.health_hubs.readings.rules import RuleSet
from services.health_hubs.timeutil import month_start, parse_month

# ---- report months -----------------------------------------------------------------------------------------

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

# ---- controlled BP and glucose bands -----------------------------------------------------------------------

def is_controlled(systolic: int, diastolic: int, rules: RuleSet) -> bool:
    return systolic < rules.controlled_below[0] and diastolic < rules.controlled_below[1]


def glucose_indicator_band(glucose_mg_dl: int, meal_context: str, rules: RuleSet) -> int:
    """1, 2 or 3 as in Simple's diabetes report (below 200 / 200-299 / 300 and above for random readings)."""
    first, second = rules.glucose_indicator_bands[meal_context]
    return 1 if glucose_mg_dl < first else 2 if glucose_mg_dl < second else 3

# ---- small-cell suppression --------------------------------------------------------------------------------

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
