"""Complementary suppression proved by trying every subtraction an official can make (tests/hardening/
suppression_check.py): health indicators across centre, district and city (and inside each cell), ridership
across day, routes, stops, hours, concessions and decisions, and the transit overview against ridership."""

import random

import pytest

from services.common.suppression import protect
from services.health_hubs.indicators.service import (
    COUNT_KEYS,
    WITHIN_CELL,
    all_cells,
    hidden_cells,
    suppression_table,
)
from tests.hardening.suppression_check import assert_nothing_small_recoverable, solved_by_chains


def _centre_counts(rng, reg: int) -> dict:
    ltfu = rng.randint(0, reg // 3) if reg else 0
    den = max(0, reg - ltfu - rng.randint(0, 2))
    bp = [0, 0, 0, 0]
    for _ in range(den):
        bp[rng.randrange(4)] += 1
    measured = rng.randint(0, den)
    bands = [0, 0, 0]
    for _ in range(measured):
        bands[rng.randrange(3)] += 1
    return dict(registered=reg, new_registrations=rng.randint(0, reg), lost_to_follow_up=ltfu, under_care=reg - ltfu,
                denominator=den, controlled=bp[0], uncontrolled=bp[1], missed_visit=bp[2], visited_no_bp=bp[3],
                glucose_measured=measured, glucose_band1=bands[0], glucose_band2=bands[1], glucose_band3=bands[2])


def _full_equations(cells) -> list:
    """Every sum that holds, including the district's and city's own within-cell sums and city = all centres
    (the service leaves the redundant ones out of its graph; the official may use them all)."""
    values, equations = suppression_table(cells)
    centres = [c for c in cells if c.level == "centre"]
    for key in COUNT_KEYS:
        equations.append((("city", "Pohang", key), [("centre", c.id, key) for c in centres]))
    return values, equations


def test_the_found_case_a_centres_denominator_from_the_district_total():
    """Found: C001's denominator 3 was hidden, but the district total minus the other centres gave it."""
    per = {"C001": {k: 0 for k in COUNT_KEYS}, "C002": {k: 0 for k in COUNT_KEYS}, "C003": {k: 0 for k in COUNT_KEYS},
           "C400": {k: 0 for k in COUNT_KEYS}}
    per["C001"].update(registered=3, under_care=3, denominator=3, controlled=3)
    per["C002"].update(registered=10, under_care=10, denominator=10, controlled=6, uncontrolled=4)
    per["C003"].update(registered=12, under_care=12, denominator=12, controlled=7, uncontrolled=5)
    per["C400"].update(registered=30, under_care=30, denominator=30, controlled=20, uncontrolled=10)
    cells = all_cells(per, month="2026-10")
    hidden = hidden_cells(cells)
    values, equations = _full_equations(cells)
    assert ("centre", "C001", "denominator") in hidden
    assert_nothing_small_recoverable(values, hidden, equations)
    # and the old per-cell rule alone would have given it away
    old = {c for c, v in values.items() if 0 < v < 5}
    assert solved_by_chains(values, old, equations).get(("centre", "C001", "denominator")) == 3


@pytest.mark.parametrize("seed", range(6))
def test_no_subtraction_recovers_a_small_health_count(seed):
    rng = random.Random(seed)
    centres = rng.sample([f"C{n:03d}" for n in range(1, 642)], 14)
    per = {c: _centre_counts(rng, rng.choice([1, 2, 3, 4, 6, 9, 15, 30])) for c in centres}
    cells = all_cells(per, month="2026-10")
    values, equations = _full_equations(cells)
    hidden = hidden_cells(cells)
    assert_nothing_small_recoverable(values, hidden, equations)
    # a centre's own staff see their numbers: what they know must not give away another centre's
    mine = centres[0]
    hidden_staff = hidden_cells(cells, known_centre=mine)
    known = {k for k in values if k[:2] == ("centre", mine)}
    assert not (hidden_staff & known)
    assert_nothing_small_recoverable(values, hidden_staff, equations, known=known)


def test_the_generic_rule_on_a_table_that_is_not_a_graph():
    """A day of boardings: the total is the sum of routes, of hours, of concessions and of decisions at once."""
    rng = random.Random(3)
    for _ in range(20):
        routes = {("route", r): rng.choice([0, 1, 2, 3, 7, 12]) for r in "ABCD"}
        total = sum(routes.values())
        hours = {("hour", h): 0 for h in range(6)}
        conc = {("concession", c): 0 for c in ("senior", "student", "none")}
        for _ in range(total):
            hours[("hour", rng.randrange(6))] += 1
            conc[("concession", rng.choice(("senior", "student", "none", "none")))] += 1
        values = {("total",): total, **routes, **hours, **conc}
        equations = [(("total",), list(routes)), (("total",), list(hours)), (("total",), list(conc))]
        hidden = protect(values, equations)
        assert_nothing_small_recoverable(values, hidden, equations)


def test_within_cell_sums_are_the_ones_the_indicators_define():
    assert [t for t, _ in WITHIN_CELL] == ["registered", "denominator", "glucose_measured"]
