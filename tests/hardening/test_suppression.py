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


# ---- ridership and the transit overview ---------------------------------------------------------------------

def _boarding(day: int, hour: int, route: str, stop: str, concession: str = "none", decision: str = "unknown",
              flagged: bool = False, reviewed: str | None = None):
    import uuid
    from datetime import datetime

    from services.common.citytime import CITY_ZONE
    from services.transit.boarding.models import Boarding

    at = datetime(2026, 10, day, hour, 10, tzinfo=CITY_ZONE)
    return Boarding(event_id=uuid.uuid4(), device_id="d", bus_id="bus-1", route_id=route, stop_id=stop,
                    occurred_at=at, received_at=at, decision=decision, concession=concession,
                    fare_krw=0 if concession == "senior" else 1250, flagged=flagged, review_outcome=reviewed,
                    fingerprint=uuid.uuid4().hex)


def _found_rows():
    """The cases found: day 1 has a route of 3 (the day's total minus the others gave it) and a stop of 2 (its
    route minus the other stops gave it), and 2 seniors (the overview's free rides gave them); day 2 has one route
    with 2 boardings (its total was published)."""
    rows = []
    for i in range(9):
        rows.append(_boarding(1, 8 + i % 3, "R100", "S1" if i < 7 else "S2", decision="verified"))
    for i in range(12):
        rows.append(_boarding(1, 12, "R200", "S5", concession="senior" if i < 2 else "none",
                              decision="verified" if i < 6 else "mismatch", flagged=i >= 6))
    for _ in range(3):
        rows.append(_boarding(1, 18, "R300", "S9"))
    rows += [_boarding(2, 10, "R300", "S9"), _boarding(2, 11, "R300", "S9")]
    return rows


def _check_days(rows, min_cell=5):
    from collections import defaultdict

    from services.common.citytime import CITY_ZONE
    from services.transit.boarding.aggregates import day_hidden, day_table

    by_day = defaultdict(list)
    for r in rows:
        by_day[r.occurred_at.astimezone(CITY_ZONE).date()].append(r)
    for day_rows in by_day.values():
        values, equations = day_table(day_rows)
        hidden = day_hidden(values, equations, min_cell=min_cell)
        assert_nothing_small_recoverable(values, hidden, equations, small=min_cell)


def test_no_subtraction_recovers_a_small_ridership_count():
    _check_days(_found_rows())
    rng = random.Random(11)
    for _ in range(12):
        rows = []
        for _ in range(rng.randint(1, 60)):
            route = rng.choice(["R1", "R2", "R3", "R4"])
            rows.append(_boarding(rng.randint(3, 5), rng.randint(6, 22), route, f"S{rng.randint(1, 4)}",
                                  concession=rng.choice(["none", "none", "senior", "student", "disability"]),
                                  decision=rng.choice(["verified", "mismatch", "unknown", "identified", "no_face"]),
                                  flagged=rng.random() < 0.2))
        _check_days(rows)


def test_ridership_and_overview_through_the_api(client_for, auth):
    """On the service's own database (SQLite, or PostgreSQL with AICITY_TEST_POSTGRES_URL): the found cases are
    closed, and a period publishes nothing that its days hide."""
    from datetime import date

    from sqlmodel import Session

    from services.transit.boarding import service as boarding

    client = client_for("transit")
    with Session(client.app.state.engine) as session:
        session.add_all(_found_rows())
        session.commit()
    official = auth.headers("official")
    day1 = client.get("/v1/ridership?date_from=2026-10-01", headers=official).json()
    day2 = client.get("/v1/ridership?date_from=2026-10-02", headers=official).json()
    both = client.get("/v1/ridership?date_from=2026-10-01&date_to=2026-10-02", headers=official).json()

    routes = {c["key"]: c["boardings"] for c in day1["by_route"]}
    assert routes["R300"] is None  # 3 boardings
    # never "the day's total minus the shown routes": with the total shown, at least two routes are hidden
    assert day1["total"] is None or sum(v is None for v in routes.values()) >= 2
    stops = {c["key"]: c["boardings"] for c in day1["by_stop"]}
    assert stops["R100/S2"] is None and (routes["R100"] is None or stops["R100/S1"] is None)
    assert day2["total"] is None and day2["by_route"] == [{"key": "R300", "boardings": None, "suppressed": True}]
    assert day1["concession_share"]["senior"] is None
    # a period shows only what is the sum of what its days show
    for kind in ("by_route", "by_stop", "by_hour"):
        per_day = [{c["key"]: c["boardings"] for c in d[kind]} for d in (day1, day2)]
        for cell in both[kind]:
            if cell["boardings"] is not None:
                assert all(d.get(cell["key"], 0) is not None for d in per_day), (kind, cell)
                assert cell["boardings"] == sum(d.get(cell["key"], 0) for d in per_day)
    assert both["total"] is None  # day 2's total is hidden, so the period's is too
    # the overview's free rides for day 1 come from the same table: hidden like the senior share
    with Session(client.app.state.engine) as session:
        figures = boarding.day_figures(session, day=date(2026, 10, 1))
    assert figures["free_rides"] is None
    assert figures["boardings"] == day1["total"]
