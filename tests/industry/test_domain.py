"""Pure rules: ISO 22400-2 KPIs against hand-computed examples, alarm rules, drift detection, air grades."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from services.industry.air import domain as air
from services.industry.alarms import domain as alarms
from services.industry.kpi import domain as kpi
from services.industry.telemetry.domain import SensorRef, check_readings, check_sequence

T0 = datetime(2025, 3, 1, tzinfo=UTC)


def values(kpis):
    return {k["key"]: k["value"] for k in kpis}


# ---- ISO 22400-2 ---------------------------------------------------------------------------------------


def test_kpis_of_a_shift_by_hand():
    # 8 h shift planned (PBT 28,800 s), 7 h running (APT 25,200 s), PRU 60 s, 380 made, 361 good, 12 scrap,
    # 7 rework, 2 failures repaired in 1,800 s, order executed in 8 h.
    e = kpi.record_elements(pbt_s=28_800, apt_s=25_200, aoet_s=28_800, pru_s=60, pq=380, gq=361, sq=12, rq=7,
                            fe=2, ttr_s=1_800)
    v = values(kpi.iso22400(e))
    assert v["availability"] == pytest.approx(25_200 / 28_800)          # 0.875
    assert v["effectiveness"] == pytest.approx(60 * 380 / 25_200)        # 0.904762
    assert v["quality_ratio"] == pytest.approx(361 / 380)                # 0.95
    assert v["oee"] == pytest.approx(0.875 * (22_800 / 25_200) * 0.95)   # 0.752083
    assert v["oee"] == pytest.approx(0.7520833, abs=1e-6)
    assert v["throughput"] == pytest.approx(380 / 8)                     # units per hour
    assert v["scrap_ratio"] == pytest.approx(12 / 380)
    assert v["rework_ratio"] == pytest.approx(7 / 380)
    assert v["mtbf"] == pytest.approx(3.5)                               # 420 min of APT / 2 failures
    assert v["mttr"] == pytest.approx(0.25)                              # 1,800 s / 2 failures = 0.25 h
    by_key = {k["key"]: k for k in kpi.iso22400(e)}
    assert by_key["mtbf"]["inputs"] == {"TBF_sum_s": 25_200, "FE": 2, "APT_s": 25_200}
    assert by_key["mttr"]["label"] == "Mean time to restoration"
    for key in ("mtbf", "mttr"):  # settled against ISO 22400-2 / IEC 60050-191: no "(verify)" left
        assert "(verify)" not in by_key[key]["formula"] + by_key[key]["source"]
        assert "ISO 22400-2" in by_key[key]["source"] and "IEC 60050-191" in by_key[key]["source"]
    assert by_key["mtbf"]["formula"] == "sum(TBF) / FE" and by_key["mttr"]["formula"] == "sum(TTR) / FE"


@pytest.mark.parametrize(("fe", "ttr_s", "mtbf_h", "mttr_h"), [
    (0, 0, None, None),          # no failure: nothing to average, not 7 h
    (1, 600, 7.0, 600 / 3600),   # 420 min / 1
    (2, 1_800, 3.5, 0.25),       # 420 min / 2 = 210 min
])
def test_mtbf_and_mttr_at_fe_0_1_2(fe, ttr_s, mtbf_h, mttr_h):
    e = kpi.record_elements(pbt_s=28_800, apt_s=25_200, aoet_s=28_800, pru_s=60, pq=380, gq=361, sq=12, rq=7,
                            fe=fe, ttr_s=ttr_s)
    by_key = {k["key"]: k for k in kpi.iso22400(e)}
    assert by_key["mtbf"]["value"] == (pytest.approx(mtbf_h) if mtbf_h is not None else None)
    assert by_key["mttr"]["value"] == (pytest.approx(mttr_h) if mttr_h is not None else None)
    if fe == 0:
        assert "FE = 0" in by_key["mtbf"]["note"] and "FE = 0" in by_key["mttr"]["note"]
    else:
        assert by_key["mtbf"]["note"] is None


def test_mtbf_with_recorded_times_between_failures():
    # 3 failures; operating times between them recorded as 100, 120 and 150 min: (100+120+150)/3 = 123.33 min,
    # not APT / FE = 140 min (the rest of the APT ran after the last failure)
    e = kpi.record_elements(pbt_s=28_800, apt_s=25_200, aoet_s=28_800, pru_s=60, pq=380, gq=361, sq=0, rq=0, fe=3,
                            ttr_s=2_700, tbf_s=(100 + 120 + 150) * 60)
    by_key = {k["key"]: k for k in kpi.iso22400(e)}
    assert by_key["mtbf"]["value"] == pytest.approx(370 / 3 / 60)
    assert by_key["mtbf"]["inputs"]["TBF_sum_s"] == 22_200 and by_key["mtbf"]["inputs"]["FE"] == 3
    assert by_key["mttr"]["value"] == pytest.approx(0.25)   # 45 min / 3


def test_kpi_definitions_are_data_with_sources():
    assert set(kpi.KPI_DEFINITIONS) == {k["key"] for k in kpi.iso22400(kpi.Elements())}
    for key, d in kpi.KPI_DEFINITIONS.items():
        assert "ISO 22400-2" in d["source"] and d["formula"] and d["unit"], key
    for k in kpi.iso22400(kpi.Elements()):
        assert k["formula"] == kpi.KPI_DEFINITIONS[k["key"]]["formula"]


def test_each_kpi_shows_its_inputs():
    e = kpi.record_elements(pbt_s=100, apt_s=80, aoet_s=100, pru_s=1, pq=70, gq=63, sq=7, rq=0, fe=0, ttr_s=0)
    by_key = {k["key"]: k for k in kpi.iso22400(e)}
    assert by_key["availability"]["inputs"] == {"APT_s": 80, "PBT_s": 100}
    assert by_key["availability"]["formula"] == "APT / PBT"
    assert by_key["oee"]["inputs"]["quality_ratio"] == pytest.approx(0.9)
    assert by_key["mttr"]["value"] is None and "no failure events" in by_key["mttr"]["note"]


def test_zero_planned_time_leaves_ratios_undefined_not_zero():
    e = kpi.record_elements(pbt_s=0, apt_s=0, aoet_s=0, pru_s=60, pq=0, gq=0, sq=0, rq=0, fe=0, ttr_s=0)
    v = values(kpi.iso22400(e))
    assert v["availability"] is None and v["effectiveness"] is None and v["quality_ratio"] is None
    assert v["oee"] is None and v["throughput"] is None and v["scrap_ratio"] is None and v["mtbf"] is None


def test_effectiveness_above_100_percent_is_reported_as_measured():
    # ran faster than planned: 130 units of PRU 60 s in 2 h
    e = kpi.record_elements(pbt_s=7_200, apt_s=7_200, aoet_s=7_200, pru_s=60, pq=130, gq=130, sq=0, rq=0, fe=0,
                            ttr_s=0)
    v = values(kpi.iso22400(e))
    assert v["effectiveness"] == pytest.approx(130 * 60 / 7_200)  # 1.0833
    assert v["effectiveness"] > 1 and v["oee"] == pytest.approx(1.0833333, abs=1e-6)


def test_aggregating_records_with_different_pru_weights_by_quantity():
    a = kpi.record_elements(pbt_s=3_600, apt_s=3_000, aoet_s=3_600, pru_s=10, pq=200, gq=200, sq=0, rq=0, fe=1,
                            ttr_s=600)
    b = kpi.record_elements(pbt_s=3_600, apt_s=3_600, aoet_s=3_600, pru_s=30, pq=100, gq=90, sq=10, rq=0, fe=0,
                            ttr_s=0)
    v = values(kpi.iso22400(a + b))
    assert v["availability"] == pytest.approx(6_600 / 7_200)
    assert v["effectiveness"] == pytest.approx((10 * 200 + 30 * 100) / 6_600)
    assert v["quality_ratio"] == pytest.approx(290 / 300)
    assert v["mtbf"] == pytest.approx(6_600 / 1 / 3_600) and v["mttr"] == pytest.approx(600 / 3_600)


def test_steel_indicators_by_hand_beside_benchmarks():
    sums = {"hot_metal_mass": 12_000, "coke_mass": 3_960_000, "pci_mass": 2_016_000, "energy": 261_360,
            "co2_mass": 27_060, "crude_steel_mass": 13_200}
    v = {k["key"]: k for k in kpi.steel_indicators(sums=sums, working_volume_m3=4_000, days=1)}
    assert v["fuel_rate_kg_thm"]["value"] == pytest.approx(498.0)
    assert v["productivity_t_day_m3"]["value"] == pytest.approx(3.0)
    assert v["energy_gj_per_t"]["value"] == pytest.approx(19.8)
    assert v["co2_t_per_t"]["value"] == pytest.approx(2.05)
    assert v["co2_t_per_t"]["benchmark"]["value"] == 1.91 and v["energy_gj_per_t"]["benchmark"]["value"] == 20.99
    empty = {k["key"]: k["value"] for k in kpi.steel_indicators(sums={}, working_volume_m3=4_000, days=1)}
    assert set(empty.values()) == {None}


# ---- alarms ---------------------------------------------------------------------------------------------


def run(rule, series, step_s=1.0):
    state, out = alarms.State(), []
    for i, v in enumerate(series):
        state, active, _ = alarms.step(rule, state, T0 + timedelta(seconds=i * step_s), v)
        out.append(active)
    return out


def test_threshold_opens_holds_and_clears_with_deadband():
    rule = alarms.Rule(id=1, kind="threshold", comparison="above", limit=60, deadband=3)
    assert run(rule, [55, 61, 65, 59, 58, 56.9, 61]) == [False, True, True, True, True, False, True]
    below = alarms.Rule(id=2, kind="threshold", comparison="below", limit=1120, deadband=10)
    assert run(below, [1200, 1100, 1125, 1131]) == [False, True, True, False]


def test_duration_rule_needs_the_condition_held_without_a_break():
    rule = alarms.Rule(id=1, kind="duration", comparison="above", limit=4.5, duration_s=3)
    series = [5, 5, 5, 4, 5, 5, 5, 5, 5, 4]
    assert run(rule, series) == [False, False, False, False, False, False, False, True, True, False]


def test_rate_of_change_per_minute():
    rule = alarms.Rule(id=1, kind="rate_of_change", comparison="above", limit=20)  # units per minute
    # every 30 s: +5 (10/min), +15 (30/min: opens), +15 (holds), +2 (clears)
    assert run(rule, [250, 255, 270, 285, 287], step_s=30) == [False, False, True, True, False]
    falling = alarms.Rule(id=2, kind="rate_of_change", comparison="below", limit=20)
    assert run(falling, [250, 230, 229], step_s=30) == [False, True, False]


def test_drift_rules_catch_a_one_sigma_shift_quickly():
    rng = random.Random(5)
    for kind in ("ewma", "cusum"):
        delays = []
        for _ in range(50):
            series = [rng.gauss(0, 1) for _ in range(200)] + [rng.gauss(1.0, 1) for _ in range(200)]
            rule = alarms.Rule(id=1, kind=kind, target=0, sigma=1)
            after = [i for i in alarms.run_length_signals(rule, series, T0) if i >= 200]
            assert after, f"{kind} missed a 1-sigma shift"
            delays.append(after[0] - 200)
        mean_delay = sum(delays) / len(delays)
        # published ARL1 at a 1-sigma shift: CUSUM(0.5, 5) ~10.4, EWMA(0.05, 2.615) ~ 11; Shewhart 3-sigma ~44
        assert mean_delay < 25, (kind, mean_delay)


def test_drift_rules_keep_their_false_alarm_rate_on_in_control_data():
    rng = random.Random(11)
    n = 100_000
    series = [rng.gauss(50, 2) for _ in range(n)]
    for kind, arl0 in (("ewma", 500), ("cusum", 465)):
        rule = alarms.Rule(id=1, kind=kind, target=50, sigma=2)
        alarms_raised = len(alarms.run_length_signals(rule, series, T0))
        observed_arl = n / max(alarms_raised, 1)
        # about n / ARL0 false alarms (~200); a wrong limit (e.g. L = 2, h = 4) gives several times more
        assert arl0 * 0.6 < observed_arl < arl0 * 1.6, (kind, observed_arl)


def test_alarm_types_group_drift_detectors():
    assert alarms.alarm_type("ewma") == alarms.alarm_type("cusum") == "drift"
    assert alarms.alarm_type("threshold") == "threshold"


# ---- air quality ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    (0, "good"), (30, "good"), (31, "moderate"), (80, "moderate"), (81, "bad"), (150, "bad"), (151, "very_bad"),
    (30.4, "good"), (30.6, "moderate"), (30.5, "moderate"), (80.49, "moderate"), (80.5, "bad"), (150.5, "very_bad"),
])
def test_pm10_grade_boundaries(value, expected):
    assert air.grade("pm10", value) == expected


@pytest.mark.parametrize("value, expected", [
    (0, "good"), (15, "good"), (16, "moderate"), (35, "moderate"), (36, "bad"), (75, "bad"), (76, "very_bad"),
    # half up, as AirKorea rounds (not Python's half-to-even): 15.5 and 30.5 both go up
    (15.4, "good"), (15.5, "moderate"), (35.5, "bad"), (36.5, "bad"), (75.5, "very_bad"), (14.5, "good"),
])
def test_pm25_grade_boundaries(value, expected):
    assert air.grade("pm25", value) == expected


def test_the_worse_grade_is_shown():
    assert air.worse_grade(25, 40) == "bad"      # PM10 good, PM2.5 bad
    assert air.worse_grade(160, 10) == "very_bad"
    assert air.worse_grade(None, 20) == "moderate"
    assert air.worse_grade(None, None) is None


def alert_levels(pollutant, series):
    state, out = air.AlertState(), []
    for i, v in enumerate(series):
        state = air.alert_step(pollutant, state, T0 + timedelta(hours=i), v)
        out.append(state.level)
    return out


def test_watch_needs_two_hours_above_threshold():
    # one hour at 160 is not enough; a break resets; two consecutive hourly means at >= 150 issue the watch
    assert alert_levels("pm10", [160, 120, 150, 149, 150, 155, 130, 99]) == [
        "none", "none", "none", "none", "none", "watch", "watch", "none"]


def test_warning_and_its_release_to_watch():
    assert alert_levels("pm25", [150, 160, 140, 74, 30]) == ["none", "warning", "warning", "watch", "none"]
    assert alert_levels("pm10", [300, 299, 300, 310]) == ["none", "watch", "watch", "warning"]


def test_who_2021_comparison():
    report = air.who_comparison("pm25", daily_means=[10, 16, 20, 4])
    assert report["days_above_daily"] == 2 and report["daily_guideline"] == 15
    assert report["period_mean"] == pytest.approx(12.5) and report["period_mean_over_annual"] == pytest.approx(2.5)


# ---- telemetry rules -----------------------------------------------------------------------------------


def test_check_readings_reports_each_bad_item_and_keeps_the_rest():
    sensors = {"t1": SensorRef(1, 0, 100)}
    items = [
        {"sensor": "t1", "ts": "2025-03-01T00:00:00+00:00", "value": 20},
        {"sensor": "nope", "ts": "2025-03-01T00:00:00+00:00", "value": 1},
        {"sensor": "t1", "ts": "2025-03-01T00:00:01", "value": 1},
        {"sensor": "t1", "ts": "2025-03-01T00:00:02+00:00", "value": "hot"},
        {"sensor": "t1", "ts": "2025-03-01T00:00:03+00:00", "value": 101},
        "garbage",
        {"sensor": "t1", "ts": 1740787204000, "value": 21.5},
        {"sensor": "t1", "ts": "2025-03-09T00:00:00+00:00", "value": 1},
        {"sensor": "t1", "ts": "2025-03-01T00:00:00+00:00", "value": 20},
    ]
    rows, errors = check_readings(items, sensors=sensors, now=T0 + timedelta(hours=1), max_age_s=86_400,
                                  future_skew_s=300)
    assert [r["value"] for r in rows] == [20.0, 21.5]
    assert [(e.index, e.code) for e in errors] == [
        (1, "unknown_sensor"), (2, "bad_timestamp"), (3, "bad_value"), (4, "implausible_value"),
        (5, "not_an_object"), (7, "timestamp_in_future")]


def test_sparkplug_sequence_wraps_at_256():
    assert check_sequence(None, 0) == ("first", 0)
    assert check_sequence(4, 5) == ("ok", 0)
    assert check_sequence(255, 0) == ("ok", 0)
    assert check_sequence(5, 5) == ("duplicate", 0)
    assert check_sequence(5, 9) == ("gap", 3)
    assert check_sequence(254, 2) == ("gap", 3)


# ---- ISA-18.2 alarm management and late data (pure) ---------------------------------------------------------


def test_threshold_on_delay_needs_the_condition_held():
    rule = alarms.Rule(id=1, kind="threshold", comparison="above", limit=60, deadband=3, on_delay_s=2)
    # 1 s apart: 61 at t=1,2,3 -> held 0,1,2 s: active at t=3; 58 inside the deadband holds; 56 clears
    assert run(rule, [55, 61, 61, 61, 58, 56, 61, 55]) == [False, False, False, True, True, False, False, False]


def test_isa_18_2_defaults_by_signal_type():
    assert alarms.default_deadband(quantity="temperature", limit=1300, min_valid=0, max_valid=1600) == 16.0
    assert alarms.default_deadband(quantity="pressure", limit=300, min_valid=0, max_valid=600) == 12.0
    assert alarms.default_deadband(quantity="flow", limit=40, min_valid=None, max_valid=None) == 2.0  # 5 % of 40
    assert [alarms.default_on_delay_s(q) for q in ("temperature", "pressure", "flow", "level", "vibration")] == [
        60.0, 15.0, 15.0, 60.0, 15.0]


def test_flood_intervals_by_hand():
    start = T0
    opened = [T0 + timedelta(seconds=50 * i) for i in range(11)] + [T0 + timedelta(minutes=10)] * 10
    got = alarms.flood_intervals(opened, start=start, end=T0 + timedelta(minutes=25))
    assert [(g["alarms"], g["flood"]) for g in got] == [(11, True), (10, False), (0, False)]


def test_isa_states_from_the_stored_row():
    later = T0 + timedelta(minutes=5)
    assert alarms.isa_state(stored="open", shelved_until=None, rule_mode="in_service", now=T0) == "unacknowledged"
    assert alarms.isa_state(stored="rtn_unack", shelved_until=None, rule_mode=None, now=T0) == "rtn_unacknowledged"
    assert alarms.isa_state(stored="open", shelved_until=later, rule_mode=None, now=T0) == "shelved"
    assert alarms.isa_state(stored="open", shelved_until=later, rule_mode=None, now=later) == "unacknowledged"
    assert alarms.isa_state(stored="acknowledged", shelved_until=None, rule_mode="out_of_service",
                            now=T0) == "out_of_service"
    assert alarms.isa_state(stored="cleared", shelved_until=None, rule_mode="suppressed_by_design", now=T0) == "normal"


def test_episodes_of_a_backlog_by_hand():
    h = alarms.Rule(id=1, kind="threshold", severity="warning", limit=100, deadband=5)
    hh = alarms.Rule(id=2, kind="threshold", severity="critical", limit=140, deadband=5)
    values = [90, 120, 150, 130, 96, 94, 110, 120]
    eps = alarms.episodes([h, hh], [(T0 + timedelta(seconds=i), v) for i, v in enumerate(values)])
    assert [(e["opened_at"], e["cleared_at"], e["rule"].severity) for e in eps] == [
        (T0 + timedelta(seconds=1), T0 + timedelta(seconds=5), "critical"),  # escalated to HH at 150
        (T0 + timedelta(seconds=6), None, "warning"),                        # still active at the end
    ]
