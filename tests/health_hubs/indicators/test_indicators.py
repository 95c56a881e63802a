"""Indicator definitions on a hand-built history (Seoul month edges, 3- and 12-month windows, the sum rule),
small-cell suppression per role, and the dashboard's series with as_of."""

import random
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session

from services.common.citytime import CITY_ZONE
from services.health_hubs.indicators.domain import windows
from services.health_hubs.indicators.service import COUNT_KEYS, centre_counts
from services.health_hubs.readings.models import Reading
from services.health_hubs.readings.rules import KSH_2022
from services.health_hubs.residents.models import Resident


def kst(*args) -> datetime:
    return datetime(*args, tzinfo=CITY_ZONE).astimezone(UTC)


def resident(session, name, registered, centre="C001", **over) -> uuid.UUID:
    r = Resident(family_name="테", given_name=name, name_key=name, birth_date=date(1950, 1, 1), sex="female",
                 centre_id=centre, district="Buk-gu" if centre <= "C321" else "Nam-gu", registered_at=registered,
                 updated_at=registered, created_by="test", **over)
    session.add(r)
    session.flush()
    return r.id


def reading(session, rid, at, sys=None, dia=None, glucose=None, meal="random", received=None, deleted=False):
    kind = "bp" if sys is not None else "glucose"
    session.add(Reading(
        id=uuid.uuid4(), resident_id=rid, centre_id="C001", device_id="k", kind=kind, measured_at=at,
        device_updated_at=at, received_at=received or at, updated_at=at, deleted_at=at if deleted else None,
        systolic=sys, diastolic=dia, glucose_mg_dl=glucose, meal_context=meal if glucose else None,
        category="x", rule_version="ksh2022.1", next_step="none"))


OLD = kst(2024, 1, 10)


@pytest.fixture
def history(hub):
    with Session(hub.db.engine) as s:
        a = resident(s, "A", OLD)
        reading(s, a, kst(2025, 5, 10), 130, 80)  # controlled
        b = resident(s, "B", OLD)
        reading(s, b, kst(2025, 3, 15), 120, 70)
        reading(s, b, kst(2025, 4, 1, 0, 30), 150, 85, received=kst(2025, 7, 5))  # first minutes of the window
        c = resident(s, "C", OLD)
        reading(s, c, kst(2025, 3, 31, 23, 30), 120, 70)  # last minutes before the window: missed visit
        d = resident(s, "D", OLD)
        reading(s, d, kst(2025, 6, 20), glucose=250)  # visited, no BP; glucose band 2
        e = resident(s, "E", OLD)
        reading(s, e, kst(2024, 6, 30, 23), 120, 70)  # before the 12-month window: lost to follow-up
        e2 = resident(s, "E2", OLD)
        reading(s, e2, kst(2024, 7, 1, 0, 30), 120, 70)  # inside it: under care, missed visit
        f = resident(s, "F", kst(2025, 4, 5))
        reading(s, f, kst(2025, 6, 1), 120, 70)  # registered < 3 months ago: not in the denominator
        resident(s, "G", kst(2025, 6, 10))  # new this month
        h = resident(s, "H", OLD, status="dead", died_at=kst(2025, 5, 1))
        reading(s, h, kst(2025, 4, 20), 120, 70)
        i = resident(s, "I", OLD)
        reading(s, i, kst(2025, 4, 15), 160, 100)
        reading(s, i, kst(2025, 6, 15), 135, 85)  # the latest BP decides: controlled
        j = resident(s, "J", OLD)
        reading(s, j, kst(2024, 9, 1), 120, 70)
        reading(s, j, kst(2025, 6, 2), 120, 70, deleted=True)  # a deleted reading is no visit
        resident(s, "K", kst(2024, 9, 1))  # never visited, registered < 12 months ago: not lost, missed visit
        m = resident(s, "L", OLD, status="merged")
        reading(s, m, kst(2025, 6, 3), 120, 70)
        resident(s, "M", kst(2025, 3, 31, 23))  # registered just before the cut: in the denominator
        s.commit()
    return hub


def counts(hub, month, as_of=None):
    with hub.db.engine.connect() as conn:
        return centre_counts(conn, month=month, rules=KSH_2022, as_of=as_of or datetime.now(UTC))["C001"]


def test_simple_definitions_on_a_hand_built_history(history):
    c = counts(history, "2025-06")
    assert c["registered"] == 12 and c["new_registrations"] == 1
    assert c["lost_to_follow_up"] == 1 and c["under_care"] == 11
    assert c["denominator"] == 9
    assert (c["controlled"], c["uncontrolled"], c["visited_no_bp"], c["missed_visit"]) == (2, 1, 1, 5)
    assert c["controlled"] + c["uncontrolled"] + c["visited_no_bp"] + c["missed_visit"] == c["denominator"]
    assert (c["glucose_measured"], c["glucose_band1"], c["glucose_band2"], c["glucose_band3"]) == (1, 0, 1, 0)


def test_windows_move_with_the_month(history):
    c = counts(history, "2025-07")
    assert c["lost_to_follow_up"] == 2  # E2's July 2024 visit left the 12-month window
    assert c["uncontrolled"] == 0  # B's April reading left the 3-month window
    assert c["controlled"] + c["uncontrolled"] + c["visited_no_bp"] + c["missed_visit"] == c["denominator"]
    c = counts(history, "2025-03")  # before most of it happened
    # H was still alive; M (registered on 31 March, Seoul) is registered but not yet 3 months
    # and A, D, H, I had no visit yet in the 12 months to March: lost to follow-up then
    assert c["registered"] == 11 and c["lost_to_follow_up"] == 4 and c["denominator"] == 10 - 4


def test_as_of_leaves_out_readings_received_later(history):
    assert counts(history, "2025-06", as_of=kst(2025, 7, 1))["uncontrolled"] == 0
    assert counts(history, "2025-06", as_of=kst(2025, 7, 6))["uncontrolled"] == 1


def test_small_cells_are_suppressed_for_all_but_the_centres_own_staff(history):
    own = history.client.get("/v1/indicators", params={"month": "2025-06", "level": "centre", "id": "C001"},
                             headers=history.staff).json()["cells"][0]
    assert own["counts"]["controlled"] == {"value": 2, "suppressed": False}
    assert own["rates"]["controlled_rate"] == {"value": 22.2, "suppressed": False}
    for headers in (history.official, history.nurse, history.admin,
                    history.auth.headers("centre_staff", centre_id="C002")):
        cell = history.client.get("/v1/indicators", params={"month": "2025-06", "level": "centre", "id": "C001"},
                                  headers=headers).json()["cells"][0]
        assert cell["counts"]["controlled"] == {"value": None, "suppressed": True}
        assert cell["rates"]["controlled_rate"] == {"value": None, "suppressed": True}
        assert cell["counts"]["registered"] == {"value": 12, "suppressed": False}
        assert cell["counts"]["missed_visit"]["value"] == 5
        assert cell["rates"]["missed_visit_rate"]["value"] == 55.6
        assert "2" not in [str(v["value"]) for v in cell["counts"].values()]
    # the city and district are aggregates: suppressed even for the centre's own staff
    city = history.client.get("/v1/indicators", params={"month": "2025-06"}, headers=history.staff).json()
    assert city["cells"][0]["counts"]["controlled"]["suppressed"] is True
    district = history.client.get("/v1/indicators", params={"month": "2025-06", "level": "district",
                                                            "id": "Buk-gu"}, headers=history.official).json()
    assert district["cells"][0]["counts"]["denominator"]["value"] == 9


def test_series_for_the_dashboard(history):
    r = history.client.get("/v1/indicators/series", headers=history.official, params={
        "level": "district", "id": "Buk-gu", "to_month": "2025-07", "months": 3, "as_of": "2025-07-10T00:00:00Z"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["months"] == ["2025-05", "2025-06", "2025-07"] and len(body["points"]) == 3
    assert body["points"][1]["counts"]["denominator"]["value"] == 9
    assert history.client.get("/v1/indicators/series", headers=history.official,
                              params={"level": "centre", "id": "C999"}).status_code == 404
    assert history.client.get("/v1/indicators", headers=history.kiosk).status_code == 403


def test_overview_for_officials(history):
    r = history.client.get("/v1/overview", headers=history.official)
    assert r.status_code == 200
    keys = [f["key"] for f in r.json()["figures"]]
    assert keys == ["readings_today", "alerts_today", "residents", "bp_control_rate"]
    assert history.client.get("/v1/overview", headers=history.staff).status_code == 403


def reference_counts(residents, readings, *, month, as_of, rules=KSH_2022) -> dict[str, int]:
    """The definitions of the module docstring, resident by resident in Python: what both queries must equal."""
    w = windows(month)
    out = dict.fromkeys(COUNT_KEYS, 0)
    for p in residents:
        if p.status == "merged" or p.registered_at >= w.end or (p.died_at is not None and p.died_at < w.end):
            continue
        rows = [r for r in readings if r.resident_id == p.id and r.deleted_at is None and r.received_at <= as_of]
        w3 = [r for r in rows if w.start3 <= r.measured_at < w.end]
        before = [r for r in rows if w.start12 <= r.measured_at < w.start3]
        latest = {kind: max((r for r in w3 if r.kind == kind), key=lambda r: (r.measured_at, r.id), default=None)
                  for kind in ("bp", "glucose")}
        ltfu = not w3 and p.registered_at < w.start12 and not before
        out["registered"] += 1
        out["new_registrations"] += p.registered_at >= w.month_start
        out["lost_to_follow_up"] += ltfu
        out["under_care"] += not ltfu
        if ltfu or p.registered_at >= w.registered_before:
            continue
        out["denominator"] += 1
        bp, glu = latest["bp"], latest["glucose"]
        if bp is not None and bp.systolic is not None:
            ok = bp.systolic < rules.controlled_below[0] and bp.diastolic < rules.controlled_below[1]
            out["controlled" if ok else "uncontrolled"] += 1
        else:
            out["visited_no_bp" if w3 else "missed_visit"] += 1
        if glu is not None and glu.glucose_mg_dl is not None:
            out["glucose_measured"] += 1
            cut1, cut2 = rules.glucose_indicator_bands["fasting" if glu.meal_context == "fasting" else "random"]
            g = glu.glucose_mg_dl
            out["glucose_band1" if g < cut1 else "glucose_band2" if g < cut2 else "glucose_band3"] += 1
    return out


def test_the_query_equals_the_definitions_on_a_random_history(hub):
    """Random residents and readings around the window edges, with ties in time (the id decides), deletions,
    late arrivals (as_of) and deaths; on PostgreSQL both the LATERAL and the window query are checked."""
    rng = random.Random(5)
    as_of = kst(2025, 7, 3)
    base = kst(2024, 4, 1)
    residents, readings = [], []
    with Session(hub.db.engine, expire_on_commit=False) as s:
        for i in range(160):
            registered = base + timedelta(days=rng.randint(-120, 450))
            dead = rng.random() < 0.05
            r = Resident(family_name="테", given_name=f"R{i}", name_key=f"r{i}", birth_date=date(1950, 1, 1),
                         sex="female", centre_id=rng.choice(("C001", "C002", "C400")), district="Buk-gu",
                         status="dead" if dead else rng.choice(("active",) * 12 + ("merged",)),
                         died_at=registered + timedelta(days=rng.randint(1, 500)) if dead else None,
                         registered_at=registered, updated_at=registered, created_by="test")
            residents.append(r)
            s.add(r)
        s.flush()
        for r in residents:
            at = base + timedelta(days=rng.randint(0, 40))
            for _ in range(rng.choice((0, 1, 2, 4, 8))):
                at += timedelta(days=rng.choice((0, 3, 20, 60, 90)))  # 0: a tie in time
                bp = rng.random() < 0.7
                received = at + timedelta(days=rng.choice((0,) * 8 + (10, 40)))
                row = Reading(
                    id=uuid.uuid4(), resident_id=r.id, centre_id=r.centre_id, device_id="k",
                    kind="bp" if bp else "glucose", measured_at=at, device_updated_at=at, received_at=received,
                    updated_at=at, deleted_at=at if rng.random() < 0.08 else None,
                    systolic=rng.randint(110, 170) if bp else None, diastolic=rng.randint(60, 100) if bp else None,
                    glucose_mg_dl=None if bp else rng.randint(60, 350),
                    meal_context=None if bp else rng.choice(("fasting", "random", "postprandial")),
                    category="x", rule_version="ksh2022.1", next_step="none")
                readings.append(row)
                s.add(row)
        s.commit()
    methods = ["window", "lateral"] if hub.db.engine.dialect.name == "postgresql" else ["window"]
    checked = 0
    for month in ("2025-03", "2025-05", "2025-06"):
        want = reference_counts(residents, readings, month=month, as_of=as_of)
        assert want["denominator"] > 20 and want["lost_to_follow_up"] >= 3 and want["glucose_measured"] > 3
        for method in methods:
            with hub.db.engine.connect() as conn:
                per_centre = centre_counts(conn, month=month, rules=KSH_2022, as_of=as_of, method=method)
            got = {k: sum(c[k] for c in per_centre.values()) for k in COUNT_KEYS}
            assert got == want, (month, method)
            checked += 1
    assert checked == 3 * len(methods)
