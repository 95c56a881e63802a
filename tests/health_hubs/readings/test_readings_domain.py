"""Pure rules of readings: every category cut-off (one below, at, one above), plausibility, sitting averages
and next steps."""

from dataclasses import replace

import pytest

from services.health_hubs.readings.domain import (
    ReadingRejected,
    average_sitting,
    bp_next_step,
    check_glucose,
    classify_bp,
    classify_glucose,
    classify_reading,
    classify_reading_detail,
)
from services.health_hubs.readings.rules import KSH_2022

R = KSH_2022


G0, EL, PRE, G1, G2 = "normal", "elevated", "prehypertension", "hypertension_grade1", "hypertension_grade2"


@pytest.mark.parametrize(("systolic", "diastolic", "grade", "isolated", "crisis", "category", "step"), [
    # systolic cut-offs with a normal diastolic: 120, 130, 140 (isolated from here), 160, crisis above 180
    (119, 70, G0, False, False, G0, "none"), (120, 70, EL, False, False, EL, "none"),
    (129, 70, EL, False, False, EL, "none"), (130, 70, PRE, False, False, PRE, "none"),
    (139, 70, PRE, False, False, PRE, "none"), (140, 70, G1, True, False, "isolated_systolic", "see_nurse"),
    (140, 89, G1, True, False, "isolated_systolic", "see_nurse"),
    (145, 70, G1, True, False, "isolated_systolic", "see_nurse"),
    (159, 89, G1, True, False, "isolated_systolic", "see_nurse"),
    (160, 89, G2, True, False, "isolated_systolic", "see_nurse_today"),
    (165, 85, G2, True, False, "isolated_systolic", "see_nurse_today"),
    (180, 70, G2, True, False, "isolated_systolic", "see_nurse_today"),
    (181, 70, G2, True, True, "crisis", "call_119"), (181, 89, G2, True, True, "crisis", "call_119"),
    (181, 90, G2, False, True, "crisis", "call_119"),
    # diastolic cut-offs with a normal systolic: 80, 90 (isolated ends), 100, crisis above 120
    (110, 79, G0, False, False, G0, "none"), (110, 80, PRE, False, False, PRE, "none"),
    (110, 89, PRE, False, False, PRE, "none"), (110, 90, G1, False, False, G1, "see_nurse"),
    (110, 99, G1, False, False, G1, "see_nurse"), (110, 100, G2, False, False, G2, "see_nurse_today"),
    (130, 120, G2, False, False, G2, "see_nurse_today"), (130, 121, G2, False, True, "crisis", "call_119"),
    # grade by the higher of the two; isolated systolic needs diastolic < 90
    (139, 90, G1, False, False, G1, "see_nurse"), (140, 90, G1, False, False, G1, "see_nurse"),
    (159, 90, G1, False, False, G1, "see_nurse"), (160, 90, G2, False, False, G2, "see_nurse_today"),
    (125, 80, PRE, False, False, PRE, "none"), (145, 95, G1, False, False, G1, "see_nurse"),
    (185, 125, G2, False, True, "crisis", "call_119"),
])
def test_bp_grade_and_flags_at_every_cut_off(systolic, diastolic, grade, isolated, crisis, category, step):
    bp = classify_bp(systolic, diastolic, R)
    assert (bp.grade, bp.isolated_systolic, bp.crisis) == (grade, isolated, crisis)
    assert bp.category == category  # the one word care and alerts read, kept
    assert bp.flags == tuple(f for f, on in (("isolated_systolic", isolated), ("crisis", crisis)) if on)
    detail = classify_reading_detail("bp", {"systolic": systolic, "diastolic": diastolic}, R)
    assert detail["grade"] == grade and detail["next_step"] == step
    assert classify_reading("bp", {"systolic": systolic, "diastolic": diastolic}, R) == (category, step)


def test_grade_1_and_grade_2_isolated_systolic_are_told_apart():
    assert classify_bp(145, 70, R).grade == G1 and classify_bp(165, 85, R).grade == G2
    assert classify_bp(145, 70, R).isolated_systolic and classify_bp(165, 85, R).isolated_systolic


@pytest.mark.parametrize(("value", "meal", "category"), [
    (53, "fasting", "hypo_level2"), (54, "fasting", "hypo_level1"), (55, "fasting", "hypo_level1"),
    (69, "random", "hypo_level1"), (70, "random", "normal"), (71, "random", "normal"),
    (99, "fasting", "normal"), (100, "fasting", "impaired_fasting"), (101, "fasting", "impaired_fasting"),
    (125, "fasting", "impaired_fasting"), (126, "fasting", "diabetes_range"), (127, "fasting", "diabetes_range"),
    (139, "postprandial", "normal"), (140, "postprandial", "impaired_tolerance"),
    (141, "postprandial", "impaired_tolerance"), (199, "postprandial", "impaired_tolerance"),
    (200, "postprandial", "diabetes_range"), (201, "postprandial", "diabetes_range"),
    (199, "random", "normal"), (200, "random", "diabetes_range"), (201, "random", "diabetes_range"),
])
def test_glucose_bands_and_hypoglycaemia_at_every_cut_off(value, meal, category):
    assert classify_glucose(value, meal, R) == category


@pytest.mark.parametrize(("m", "code"), [
    ({"systolic": 69, "diastolic": 50}, "implausible_systolic"),
    ({"systolic": 301, "diastolic": 50}, "implausible_systolic"),
    ({"systolic": 120, "diastolic": 39}, "implausible_diastolic"),
    ({"systolic": 200, "diastolic": 181}, "implausible_diastolic"),
    ({"systolic": 100, "diastolic": 101}, "systolic_below_diastolic"),
    ({"systolic": 120, "diastolic": 80, "pulse_bpm": 19}, "implausible_pulse"),
])
def test_implausible_bp_is_rejected(m, code):
    with pytest.raises(ReadingRejected) as exc:
        average_sitting([m], R)
    assert exc.value.code == code


@pytest.mark.parametrize("m", [{"systolic": 70, "diastolic": 40}, {"systolic": 300, "diastolic": 180},
                               {"systolic": 100, "diastolic": 100}])
def test_plausibility_edges_are_accepted(m):
    assert average_sitting([m, m], R).systolic == m["systolic"]


@pytest.mark.parametrize(("value", "ok"), [(29, False), (30, True), (31, True), (999, True), (1000, True),
                                           (1001, False)])
def test_glucose_plausibility(value, ok):
    if ok:
        check_glucose(value, "capillary_whole_blood", R)
    else:
        with pytest.raises(ReadingRejected):
            check_glucose(value, "capillary_whole_blood", R)


def test_control_solution_is_rejected_even_in_range():
    with pytest.raises(ReadingRejected) as exc:
        check_glucose(100, "control_solution", R)
    assert exc.value.code == "control_solution_sample"


def test_sitting_average_rounds_half_up_and_follows_protocol():
    s = average_sitting([{"systolic": 141, "diastolic": 90}, {"systolic": 140, "diastolic": 89}], R)
    assert (s.systolic, s.diastolic, s.protocol_complete) == (141, 90, True)
    s = average_sitting([{"systolic": 141, "diastolic": 90, "flags": ["irregular_pulse"]},
                         {"systolic": 140, "diastolic": 89}], R)
    assert s.protocol_complete is False  # irregular pulse needs three


def test_next_step_is_plain_and_escalates_with_severity():
    assert bp_next_step(classify_bp(185, 80, R), True, R) == "call_119"
    assert bp_next_step(classify_bp(185, 80, R), False, R) == "call_119"  # a crisis never waits for the protocol
    assert bp_next_step(classify_bp(150, 100, R), True, R) == "see_nurse_today"
    assert bp_next_step(classify_bp(160, 70, R), False, R) == "see_nurse_today"
    assert bp_next_step(classify_bp(159, 70, R), True, R) == "see_nurse"
    assert bp_next_step(classify_bp(159, 70, R), False, R) == "remeasure"
    assert bp_next_step(classify_bp(110, 70, R), False, R) == "remeasure"


def test_a_new_rule_version_can_move_a_cut_off():
    stricter = replace(R, version="test.2", bp_grades=(("hypertension_grade2", 160, 100),
                                                        ("hypertension_grade1", 130, 80),
                                                        ("elevated", 120, None)))
    assert classify_bp(135, 85, R).grade == "prehypertension"
    assert classify_bp(135, 85, stricter).grade == "hypertension_grade1"
