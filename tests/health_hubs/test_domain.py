"""Pure rules: every category cut-off (one below, at, one above), plausibility, sitting averages, Korean name
matching, month windows in Asia/Seoul, small-cell suppression."""

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from services.health_hubs.domain import (
    Person,
    ReadingRejected,
    add_months,
    average_sitting,
    bp_next_step,
    check_glucose,
    initials,
    match_score,
    suppress_cell,
    to_jamo,
    windows,
)
from services.health_hubs.rules import (
    KSH_2022,
    classify_bp,
    classify_glucose,
    glucose_indicator_band,
    is_controlled,
)

R = KSH_2022


@pytest.mark.parametrize(("systolic", "diastolic", "category"), [
    # systolic cut-offs with a normal diastolic
    (119, 70, "normal"), (120, 70, "elevated"), (121, 70, "elevated"),
    (129, 70, "elevated"), (130, 70, "prehypertension"), (131, 70, "prehypertension"),
    (139, 70, "prehypertension"), (140, 70, "isolated_systolic"), (141, 70, "isolated_systolic"),
    (159, 89, "isolated_systolic"), (160, 89, "isolated_systolic"),
    (180, 70, "isolated_systolic"), (181, 70, "crisis"), (182, 70, "crisis"),
    # diastolic cut-offs with a normal systolic
    (110, 79, "normal"), (110, 80, "prehypertension"), (110, 81, "prehypertension"),
    (110, 89, "prehypertension"), (110, 90, "hypertension_grade1"), (110, 91, "hypertension_grade1"),
    (110, 99, "hypertension_grade1"), (110, 100, "hypertension_grade2"), (110, 101, "hypertension_grade2"),
    (130, 119, "hypertension_grade2"), (130, 120, "hypertension_grade2"), (130, 121, "crisis"),
    # grade by the higher of the two; isolated systolic needs diastolic < 90
    (159, 90, "hypertension_grade1"), (160, 90, "hypertension_grade2"), (161, 90, "hypertension_grade2"),
    (139, 90, "hypertension_grade1"), (125, 80, "prehypertension"), (145, 95, "hypertension_grade1"),
])
def test_bp_categories_at_every_cut_off(systolic, diastolic, category):
    assert classify_bp(systolic, diastolic, R) == category


@pytest.mark.parametrize(("systolic", "diastolic", "controlled"), [
    (139, 89, True), (140, 89, False), (141, 89, False), (139, 90, False), (139, 91, False), (138, 88, True),
])
def test_control_cut_off(systolic, diastolic, controlled):
    assert is_controlled(systolic, diastolic, R) is controlled


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


@pytest.mark.parametrize(("value", "meal", "band"), [
    (199, "random", 1), (200, "random", 2), (201, "random", 2), (299, "random", 2), (300, "random", 3),
    (301, "random", 3), (125, "fasting", 1), (126, "fasting", 2), (127, "fasting", 2), (199, "fasting", 2),
    (200, "fasting", 3), (201, "fasting", 3),
])
def test_glucose_indicator_bands(value, meal, band):
    assert glucose_indicator_band(value, meal, R) == band


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
    assert bp_next_step("crisis", 185, True, R) == "call_119"
    assert bp_next_step("hypertension_grade2", 150, True, R) == "see_nurse_today"
    assert bp_next_step("isolated_systolic", 160, True, R) == "see_nurse_today"
    assert bp_next_step("isolated_systolic", 159, True, R) == "see_nurse"
    assert bp_next_step("normal", 110, False, R) == "remeasure"


def test_a_new_rule_version_can_move_a_cut_off():
    stricter = replace(R, version="test.2", bp_grades=(("hypertension_grade2", 160, 100),
                                                        ("hypertension_grade1", 130, 80),
                                                        ("elevated", 120, None)))
    assert classify_bp(135, 85, R) == "prehypertension"
    assert classify_bp(135, 85, stricter) == "hypertension_grade1"


def test_jamo_decomposition():
    assert to_jamo("한글") == "ㅎㅏㄴㄱㅡㄹ"
    assert to_jamo("김 영희") == "ㄱㅣㅁㅇㅕㅇㅎㅢ"
    assert to_jamo("Kim") == "kim"
    assert initials("김", "영희") == "김OO" and initials("Kim", "Younghee") == "K. Y."


def test_korean_fuzzy_match_sees_a_one_letter_slip():
    a = Person("김", "영희", date(1948, 3, 15), "female", "010-1234-5678", "C001")
    slip = Person("김", "영히", date(1948, 3, 15), "female", "01012345678", "C001")  # ㅢ -> ㅣ
    other = Person("박", "철수", date(1948, 3, 15), "male", None, "C001")
    swapped = Person("김", "영희", date(1948, 3, 15).replace(month=3, day=15), "female", None, "C002")
    s_slip, reasons = match_score(a, slip)
    assert s_slip > 85 and "similar_name" in reasons and "same_phone" in reasons
    assert match_score(a, other)[0] < 50
    assert match_score(a, swapped)[0] > 75
    # day/month swapped birth date still counts
    b = Person("김", "영희", date(1948, 3, 5), "female")
    c = Person("김", "영희", date(1948, 5, 3), "female")
    assert "similar_birth_date" in match_score(b, c)[1]


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
