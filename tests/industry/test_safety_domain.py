"""Pure safety rules: suitable air at its boundaries, site limits only tighter, detector faults, heat stages
and rest breaks, the accident indicators against hand-computed cases, small-company suppression."""

from datetime import UTC, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from services.industry.safety import domain, rules

LIMITS = domain.effective_limits(None)


@pytest.mark.parametrize("gas,value,expected", [
    ("o2", 17.9, "low"), ("o2", 18.0, None), ("o2", 23.4, None), ("o2", 23.5, "high"),
    ("co", 29.9, None), ("co", 30.0, "high"), ("h2s", 9.99, None), ("h2s", 10.0, "high"),
    ("co2", 1.49, None), ("co2", 1.5, "high"), ("lel", 9.9, None), ("lel", 10.0, "high"),
])
def test_art_618_suitable_air_boundaries(gas, value, expected):
    assert domain.gas_breach(gas, value, LIMITS) == expected


def test_site_limits_tighten_but_never_loosen_the_law():
    limits = domain.effective_limits({"co": {"high": 25}, "o2": {"low": 16, "high": 22}, "h2s": {"high": 50}},
                                     "밀폐공간 작업 프로그램 2026")
    assert limits["co"]["high"] == 25 and limits["co"]["source"] == "site"
    assert limits["co"]["site_source"] == "밀폐공간 작업 프로그램 2026" and limits["h2s"]["site_source"] is None
    assert limits["o2"]["low"] == 18.0 and limits["o2"]["high"] == 22  # 16 % would be looser than Art. 618
    assert limits["h2s"]["high"] == 10.0 and limits["h2s"]["source"].startswith("산업안전보건기준")
    assert domain.gas_breach("co", 26, limits) == "high" and domain.gas_breach("co", 26, LIMITS) is None


def test_unsuitable_lists_every_breach_and_missing_gas():
    problems = domain.unsuitable({"o2": 17.0, "co": 12.0, "co2": 0.1}, LIMITS)
    assert {(p["gas"], p["problem"]) for p in problems} == {("o2", "low"), ("h2s", "not_measured")}
    assert domain.unsuitable({"o2": 20.9, "co": 0, "h2s": 0, "co2": 0.04}, LIMITS) == []


def test_error_bits():
    assert domain.error_flags(0) == []
    assert domain.error_flags(5) == ["sensor_fault", "pump_fault"]
    assert domain.error_flags(64) == ["unknown_error"]


def test_detector_faults():
    now = datetime(2026, 7, 1, 3, 0, tzinfo=UTC)
    base = dict(node_stale=False, bump_interval_h=24, stale_after_s=120, registered_at=now - timedelta(hours=2))
    ok = domain.DetectorView(last_ts=now - timedelta(seconds=30), last_bump_at=now - timedelta(hours=3), **base)
    assert domain.detector_faults(ok, now) == {}
    stale = domain.DetectorView(last_ts=now - timedelta(seconds=121), last_bump_at=now - timedelta(hours=25), **base)
    assert set(domain.detector_faults(stale, now)) == {"stale", "bump_overdue"}
    never = domain.DetectorView(last_ts=None, last_bump_at=now, **base)
    assert set(domain.detector_faults(never, now)) == {"no_data"}
    dead = domain.DetectorView(last_ts=now, last_bump_at=now, **{**base, "node_stale": True})
    assert set(domain.detector_faults(dead, now)) == {"stale"}


def test_apparent_temperature_and_ministry_stages():
    # hand-computed with the KMA formula: Ta 33 C, RH 60 % -> Tw 26.70 C -> apparent 33.45 C
    assert domain.wet_bulb_c(33, 60) == pytest.approx(26.70, abs=0.02)
    assert domain.apparent_temperature_c(33, 60) == pytest.approx(33.45, abs=0.05)
    assert domain.heat_stage(30.9) is None
    assert [domain.heat_stage(t).key for t in (31, 32.9, 33, 35, 37.9, 38, 41)] == [
        "attention", "attention", "caution", "warning", "warning", "danger", "danger"]
    assert [s.min_apparent_c for s in rules.HEAT_STAGES] == [31, 33, 35, 38]
    assert "고용노동부" in rules.HEAT_SOURCE


def test_rest_reminders_follow_the_stage():
    kst = ZoneInfo("Asia/Seoul")
    now = datetime(2026, 8, 3, 13, 20, tzinfo=kst)
    end = datetime(2026, 8, 3, 16, 0, tzinfo=kst)
    caution = domain.heat_stage(34)
    got = domain.rest_reminders(caution, local_now=now, shift_end_local=end)
    assert [(r["at"].hour, r["at"].minute, r["minutes"], r["outdoor"]) for r in got] == [
        (13, 50, 10, "normal"), (14, 50, 10, "shorten"), (15, 50, 10, "shorten")]
    warning = domain.rest_reminders(domain.heat_stage(36), local_now=now, shift_end_local=end)
    assert [(r["at"].minute, r["minutes"]) for r in warning] == [(45, 15)] * 3
    assert domain.rest_reminders(domain.heat_stage(31.5), local_now=now, shift_end_local=end) == []


def test_indicators_match_hand_computed_cases():
    # 3 injured (one died) among 1,250 workers; 2 lost-time cases in 2,480,000 hours
    got = domain.indicators(injured=3, deaths=1, lost_time=2, workers=1250, hours=2_480_000)
    assert got == {"injury_rate": 0.24, "fatality_per_10k": 8.0, "ltifr": round(2 * 1e6 / 2_480_000, 4)}
    assert domain.rate(2, 2_480_000, 1_000_000) == Fraction(25, 31)  # 0.80645...
    assert domain.indicators(injured=0, deaths=0, lost_time=0, workers=0, hours=0) == {
        "injury_rate": None, "fatality_per_10k": None, "ltifr": None}


def test_small_company_suppression():
    assert domain.suppressed(workers=12, counts=[1, 0, 1])
    assert not domain.suppressed(workers=12, counts=[0, 0, 0])
    assert not domain.suppressed(workers=12, counts=[3, 0, 3])
    assert not domain.suppressed(workers=800, counts=[1, 1, 1])
    # a company that has not reported its workforce is not known to be large: its 1 or 2 stays hidden
    assert domain.suppressed(workers=None, counts=[1, 0, 0])
    assert not domain.suppressed(workers=None, counts=[0, 0, 0])


def test_permit_movements():
    inside, err = domain.movement([], person="박", direction="in")
    assert inside == ["박"] and err is None
    assert domain.movement(inside, person="박", direction="in")[1] == "already_inside"
    assert domain.movement(inside, person="이", direction="out")[1] == "not_inside"
    assert domain.movement(inside, person="박", direction="out") == ([], None)
