"""Pure rules of the indicators: the control cut-off, glucose bands, month windows in Asia/Seoul, small-cell
suppression."""

from datetime import UTC, datetime

import pytest

from services.health_hubs.indicators.domain import (
    glucose_indicator_band,
    is_controlled,
    suppress_cell,
    windows,
)
from services.health_hubs.readings.rules import KSH_2022
from services.health_hubs.timeutil import add_months

R = KSH_2022


@pytest.mark.parametrize(("systolic", "diastolic", "controlled"), [
    (139, 89, True), (140, 89, False), (141, 89, False), (139, 90, False), (139, 91, False), (138, 88, True),
])
def test_control_cut_off(systolic, diastolic, controlled):
    assert is_controlled(systolic, diastolic, R) is controlled


@pytest.mark.parametrize(("value", "meal", "band"), [
    (199, "random", 1), (200, "random", 2), (201, "random", 2), (299, "random", 2), (300, "random", 3),
    (301, "random", 3), (125, "fasting", 1), (126, "fasting", 2), (127, "fasting", 2), (199, "fasting", 2),
    (200, "fasting", 3), (201, "fasting", 3),
])
def test_glucose_indicator_bands(value, meal, band):
    assert glucose_indicator_band(value, meal, R) == band


def test_month_windows_are_seoul_months():
    w = windows("2025-03")
    assert w.month_start == datetime(2025, 2, 28, 15, tzinfo=UTC)  # 1 March 00:00 KST
    assert w.end == datetime(2025, 3, 31, 15, tzinfo=UTC)
    assert w.start3 == datetime(2024, 12, 31, 15, tzinfo=UTC)  # 1 January
    assert w.start12 == datetime(2024, 3, 31, 15, tzinfo=UTC)  # 1 April 2024
    assert w.registered_before == w.start3
    assert add_months("2025-01", -1) == "2024-12" and add_months("2024-12", 1) == "2025-01"


def test_small_cells_are_hidden_and_cannot_be_recovered_by_subtraction():
    counts = {"denominator": 40, "controlled": 20, "uncontrolled": 17, "missed_visit": 3, "visited_no_bp": 0,
              "registered": 50}
    hidden = suppress_cell(counts)
    assert "missed_visit" in hidden and len(hidden & {"controlled", "uncontrolled", "visited_no_bp"}) == 1
    assert "denominator" not in hidden and "registered" not in hidden
    assert suppress_cell({"denominator": 4, "controlled": 4, "uncontrolled": 0, "missed_visit": 0,
                          "visited_no_bp": 0}) >= {"denominator", "controlled"}
    assert suppress_cell({"registered": 5, "denominator": 0}) == set()
