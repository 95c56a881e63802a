"""Pure rules: eligibility, windows, priority, the prerequisite graph, completion, KPIs and matching."""

from datetime import UTC, date, datetime, timedelta

import pytest

from services.talent_academy.catalogue import domain as cat
from services.talent_academy.enrolment import domain as enr
from services.talent_academy.outcomes import domain as out
from services.talent_academy.partners import domain as par

START = date(2026, 3, 2)


def facts(**kw):
    base = {"birth_date": date(2000, 5, 1), "residence": "Pohang"}
    return cat.LearnerFacts(**{**base, **kw})


def test_age_is_taken_on_the_start_date():
    rules = {"min_age": 18, "max_age": 34}
    assert cat.eligibility_failures(rules, facts(birth_date=date(2008, 3, 2)), starts_on=START) == []  # 18 that day
    too_young = cat.eligibility_failures(rules, facts(birth_date=date(2008, 3, 3)), starts_on=START)
    assert [f["rule"] for f in too_young] == ["min_age"]
    too_old = cat.eligibility_failures(rules, facts(birth_date=date(1991, 3, 1)), starts_on=START)  # 35
    assert [f["rule"] for f in too_old] == ["max_age"]


def test_residency_prior_completion_and_invitation():
    rules = {"residency": ["Pohang", "Gyeongju"], "requires_completed": ["DATA-101"],
             "excludes_completed": ["AI-201"], "invitation_only": True}
    all_fail = cat.eligibility_failures(rules, facts(residence="Seoul", completed_courses=frozenset({"AI-201"})),
                                        starts_on=START)
    assert [f["rule"] for f in all_fail] == ["residency", "requires_completed", "excludes_completed", "invitation_only"]
    ok = facts(residence="gyeongju", completed_courses=frozenset({"DATA-101"}), invited=True)
    assert cat.eligibility_failures(rules, ok, starts_on=START) == []


def test_rule_sets_are_validated():
    assert cat.validate_rules({"min_age": 18}) == []
    assert set(cat.validate_rules({"min_age": "x", "colour": 1, "residency": "Pohang"})) == {
        "unknown rule 'colour'", "min_age must be an integer", "residency must be a list of strings"}
    assert cat.validate_rules({"min_age": 40, "max_age": 30}) == ["min_age is over max_age"]


def test_window_and_freeze():
    opens, closes = datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 2, 20, tzinfo=UTC)
    assert cat.window_problem(opens_at=opens, closes_at=closes, now=opens - timedelta(seconds=1)) == "enrolment_not_open"
    assert cat.window_problem(opens_at=opens, closes_at=closes, now=opens) is None
    assert cat.window_problem(opens_at=opens, closes_at=closes, now=closes) == "enrolment_closed"
    start = cat.start_instant(START)  # 09:00 KST = 00:00 UTC
    assert start == datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    assert not cat.waitlist_frozen(starts_on=START, now=start - timedelta(seconds=1))
    assert cat.waitlist_frozen(starts_on=START, now=start)


def test_priority_classes():
    rules = {"priority_residency": ["Pohang"]}
    assert cat.priority_class(rules, facts(invited=True, residence="Seoul")) == cat.PRIORITY_INVITED
    assert cat.priority_class(rules, facts()) == cat.PRIORITY_RESIDENT
    assert cat.priority_class(rules, facts(residence="Seoul")) == cat.PRIORITY_OTHER


def test_waitlist_positions_are_fifo_within_priority_classes():
    # (id, class, ticket): a later ticket of a better class goes ahead of earlier tickets of a worse one
    assert enr.positions([(10, 2, 1), (11, 2, 2), (12, 1, 3), (13, 2, 4), (14, 1, 5)]) == {
        12: 1, 14: 2, 10: 3, 11: 4, 13: 5}


def test_offer_expiry_and_reminder():
    now = datetime(2026, 2, 1, 12, tzinfo=UTC)
    expires = enr.offer_expiry(now, 48)
    assert expires == now + timedelta(hours=48) and enr.offer_expiry(now, 0) is None
    assert not enr.offer_lapsed(expires, expires - timedelta(seconds=1)) and enr.offer_lapsed(expires, expires)
    assert not enr.needs_reminder(expires, None, now)
    assert enr.needs_reminder(expires, None, expires - timedelta(hours=12))
    assert not enr.needs_reminder(expires, now, expires - timedelta(hours=1))


def graph():
    terms = {"PY-100": 1, "DATA-101": 1, "ML-201": 2, "DL-301": 3, "MLOPS-302": 3, "STATS-110": 1}
    edges = [("PY-100", "ML-201"), ("DATA-101", "ML-201"), ("STATS-110", "ML-201"), ("ML-201", "DL-301"),
             ("ML-201", "MLOPS-302"), ("DL-301", "MLOPS-302")]
    return cat.prerequisite_graph(edges, terms)


def test_a_cycle_is_rejected_with_the_cycle_shown():
    g = graph()
    with pytest.raises(cat.PrerequisiteCycle) as err:
        cat.check_new_prerequisite(g, course="PY-100", requires="MLOPS-302")  # MLOPS needs ML needs PY
    cycle = err.value.cycle
    assert cycle[0] == cycle[-1] and set(cycle) == {"PY-100", "ML-201", "DL-301", "MLOPS-302"}
    for a, b in zip(cycle, cycle[1:], strict=False):
        assert g.has_edge(a, b) or (a, b) == ("MLOPS-302", "PY-100")
    with pytest.raises(cat.PrerequisiteCycle):
        cat.check_new_prerequisite(g, course="PY-100", requires="PY-100")
    cat.check_new_prerequisite(g, course="MLOPS-302", requires="PY-100")  # redundant, not a cycle


def test_learning_path_in_term_order_skips_what_is_done():
    g = graph()
    assert cat.learning_path(g, "MLOPS-302", set()) == ["DATA-101", "PY-100", "STATS-110", "ML-201", "DL-301",
                                                         "MLOPS-302"]
    assert cat.learning_path(g, "MLOPS-302", {"PY-100", "DATA-101", "STATS-110", "ML-201"}) == ["DL-301", "MLOPS-302"]
    assert cat.missing_prerequisites(g, "ML-201", {"PY-100"}) == ["DATA-101", "STATS-110"]


def test_completion_criteria():
    rules = out.criteria({})
    assert out.evaluate_completion(rules, sessions_total=60, sessions_attended=48, projects_passed=2,
                                   assessment_score=60) == (True, [])
    done, unmet = out.evaluate_completion(rules, sessions_total=60, sessions_attended=47, projects_passed=1,
                                          assessment_score=None)
    assert not done and len(unmet) == 3 and unmet[0].startswith("attendance 78%")
    assert out.evaluate_completion({"min_projects": 0, "min_assessment_score": 0}, sessions_total=10,
                                   sessions_attended=8, projects_passed=0, assessment_score=0)[0]


START_AT = cat.start_instant(date(2025, 3, 3))
BEFORE, AFTER = START_AT - timedelta(days=3), START_AT + timedelta(days=10)


def rec(status="enrolled", enrolled=True, withdrawn=None, **kw):
    return out.LearnerRecord(status=status, enrolled_at=BEFORE if enrolled else None, withdrawn_at=withdrawn, **kw)


def test_kpi_every_starter_stays_in_the_denominator():
    records = [
        *[rec(completion_status="completed", employed_3m=True, employed_6m=True, in_field_6m=True,
              partner_hire_6m=True) for _ in range(3)],
        *[rec(completion_status="completed", employed_6m=True, in_field_6m=False) for _ in range(2)],
        rec(completion_status="completed"),  # no outcome recorded: still counted, as not employed
        rec(status="withdrawn", withdrawn=AFTER, completion_status="not_completed"),  # dropout: counted
        rec(status="withdrawn", withdrawn=BEFORE),  # left before the start: not a starter
        rec(status="waitlisted", enrolled=False),
        rec(status="expired", enrolled=False),
    ]
    ends = date(2025, 5, 23)
    c = out.cohort_counts(records, capacity=8, start=START_AT, ends_on=ends, today=date(2026, 1, 1))
    r = out.rates(c)
    assert (r["applications"], r["starters"], r["waitlist_length"]) == (10, 7, 1)
    assert r["fill_rate"] == round(7 / 8, 4)
    assert r["completion_rate"] == round(6 / 7, 4)
    assert r["employment_rate_3m"] == round(3 / 7, 4)
    assert r["employment_rate_6m"] == round(5 / 7, 4)
    assert r["in_field_rate_6m"] == round(3 / 7, 4)
    assert r["partner_hire_share"] == round(3 / 5, 4)  # of the employed
    assert r["suppressed"] == []


def test_kpis_wait_for_their_dates_and_small_cells_are_suppressed():
    ends = date(2025, 5, 23)
    records = [rec(completion_status="completed", employed_6m=True) for _ in range(6)]
    mid = out.rates(out.cohort_counts(records, capacity=6, start=START_AT, ends_on=ends, today=date(2025, 9, 1)))
    assert mid["completion_rate"] == 1.0 and mid["employment_rate_3m"] == 0.0 and mid["employment_rate_6m"] is None
    small = out.rates(out.cohort_counts(records[:4], capacity=6, start=START_AT, ends_on=ends, today=date(2026, 1, 1)))
    assert small["completion_rate"] is None and "completion_rate" in small["suppressed"]
    assert out.checkpoint_date(date(2025, 8, 31), 6) == date(2026, 2, 28)


def test_matching_respects_seat_capacities_and_maximises_fit():
    grads = [par.Graduate(i, frozenset(s), "ai", score) for i, s, score in [
        (1, {"python", "pytorch", "vision"}, 90), (2, {"python", "pytorch"}, 80), (3, {"python", "sql"}, 70),
        (4, {"sql", "excel"}, 60), (5, {"welding"}, 95)]]
    vacancies = [par.Vacancy(100, 2, frozenset({"python", "pytorch"}), "ai"),
                 par.Vacancy(200, 1, frozenset({"sql"}), "data"), par.Vacancy(300, 0, frozenset({"python"}), None)]
    placed = par.match(grads, vacancies)
    by_opening = {}
    for p in placed:
        by_opening.setdefault(p["opening"], []).append(p["graduate"])
    assert sorted(by_opening[100]) == [1, 2] and len(by_opening[200]) == 1 and 300 not in by_opening
    assert len({p["graduate"] for p in placed}) == len(placed) == 3  # nobody placed twice
    assert 5 not in {p["graduate"] for p in placed}  # no fit, no match
    one = next(p for p in placed if p["graduate"] == 1)
    assert one["explanation"]["skills_matched"] == ["python", "pytorch"] and one["explanation"]["in_field"]


def test_matching_prefers_more_placements_over_one_great_fit():
    # A fits both openings well, B fits only X: max flow places both (A->Y, B->X) rather than A->X alone
    grads = [par.Graduate(1, frozenset({"a", "b"}), "ai", 100), par.Graduate(2, frozenset({"a"}), "ai", 50)]
    vacancies = [par.Vacancy(10, 1, frozenset({"a"}), "ai"), par.Vacancy(20, 1, frozenset({"b"}), "ai")]
    placed = {p["graduate"]: p["opening"] for p in par.match(grads, vacancies)}
    assert placed == {1: 20, 2: 10}


def test_match_steps():
    assert par.can_move("proposed", "interview") and par.can_move("offer", "hired")
    assert not par.can_move("proposed", "hired") and not par.can_move("hired", "rejected")
