"""Pure rules: eligibility, windows, priority, the prerequisite graph, completion, KPIs and matching."""

from datetime import UTC, date, datetime, timedelta

import numpy as np
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


def test_kpis_by_hand_kdt_and_cirr():
    """A cohort ending 2025-05-23: the 3-month window ends 2025-08-23, K-Digital Training's 6 months on
    2025-11-23, CIRR's 180 days on 2025-11-19. Nine starters, eight completers."""
    ends = date(2025, 5, 23)
    job = {"employed_on": None, "in_field_on": None, "partner_on": None}

    def hired(day, in_field=True, partner=False, **kw):
        return rec(completion_status="completed", employed_on=day, in_field_on=day if in_field else None,
                   partner_on=day if partner else None, **kw)

    records = [
        *[hired(date(2025, 6, 10), partner=True) for _ in range(3)],  # within every window
        hired(date(2025, 9, 1)),  # after 3 months, within 6 months and 180 days
        hired(date(2025, 11, 21)),  # day 182: within KDT's 6 months, outside CIRR's 180 days
        hired(date(2025, 12, 9)),  # day 200: within neither
        rec(completion_status="completed", **job),  # no outcome recorded: counted, as not employed
        rec(completion_status="completed", **job),  # not employed
        rec(status="withdrawn", withdrawn=AFTER, completion_status="not_completed", employed_on=date(2025, 7, 1),
            in_field_on=date(2025, 7, 1)),  # a dropout with a job: a starter, never a completer
        rec(status="withdrawn", withdrawn=BEFORE),  # left before the start: not a starter
        rec(status="waitlisted", enrolled=False),
        rec(status="expired", enrolled=False),
    ]
    c = out.cohort_counts(records, capacity=10, start=START_AT, ends_on=ends, today=date(2026, 1, 1))
    r = out.rates(c)
    assert (r["applications"], r["starters"], r["completers"], r["waitlist_length"]) == (12, 9, 8, 1)
    assert r["fill_rate"] == 0.9
    assert r["completion_rate"] == round(8 / 9, 4)  # 8 of 9 starters
    assert r["employment_rate_3m"] == round(3 / 8, 4)  # completers employed by 2025-08-23 / completers
    assert r["employment_rate_6m"] == 0.625  # KDT: 5 of 8: by 2025-11-23, over completers, not starters
    assert r["in_field_rate_180d"] == round(4 / 9, 4)  # CIRR: graduates by 2025-11-19, over everyone enrolled
    assert r["partner_hire_share"] == round(3 / 5, 4)
    assert r["suppressed"] == []
    # the windows count once closed: on 2025-11-23 the 6-month figure is not due yet, on the 24th it is
    assert out.rates(out.cohort_counts(records, capacity=10, start=START_AT, ends_on=ends,
                                       today=date(2025, 11, 23)))["employment_rate_6m"] is None
    assert out.rates(out.cohort_counts(records, capacity=10, start=START_AT, ends_on=ends,
                                       today=date(2025, 11, 24)))["employment_rate_6m"] == 0.625
    for key in ("employment_rate_6m", "in_field_rate_180d"):
        assert out.DEFINITIONS[key]["definition"] and out.DEFINITIONS[key]["source"]
    assert "6개월 내" in out.DEFINITIONS["employment_rate_6m"]["source"]


def test_observation_dates_are_checked():
    starts, today = date(2025, 3, 3), date(2026, 1, 1)
    check = out.observation_problem
    assert check(observed_on=date(2025, 12, 1), employed_on=date(2025, 6, 1), employed=True, starts_on=starts,
                 today=today) is None
    assert check(observed_on=date(2026, 1, 2), employed_on=None, employed=False, starts_on=starts,
                 today=today)[0] == "observation_in_future"
    assert check(observed_on=date(1999, 1, 1), employed_on=None, employed=False, starts_on=starts,
                 today=today)[0] == "observation_before_programme"
    assert check(observed_on=date(2025, 12, 1), employed_on=None, employed=True, starts_on=starts,
                 today=today)[0] == "employment_date_missing"
    assert check(observed_on=date(2025, 12, 1), employed_on=date(2025, 1, 1), employed=True, starts_on=starts,
                 today=today)[0] == "employment_before_programme"
    assert check(observed_on=date(2025, 12, 1), employed_on=date(2025, 12, 2), employed=True, starts_on=starts,
                 today=today)[0] == "employment_after_observation"


def test_kpis_wait_for_their_dates_and_small_cells_are_suppressed():
    ends = date(2025, 5, 23)
    records = [rec(completion_status="completed", employed_on=date(2025, 6, 1)) for _ in range(6)]
    mid = out.rates(out.cohort_counts(records, capacity=6, start=START_AT, ends_on=ends, today=date(2025, 9, 1)))
    assert mid["completion_rate"] == 1.0 and mid["employment_rate_3m"] == 1.0 and mid["employment_rate_6m"] is None
    c = out.cohort_counts(records[:4], capacity=6, start=START_AT, ends_on=ends, today=date(2026, 1, 1))
    small = out.rates(c, out.primary_hidden(c))
    assert small["completion_rate"] is None and small["starters"] is None and small["fill_rate"] is None
    assert set(small["suppressed"]) == set(out.CELLS)
    assert out.checkpoint_date(date(2025, 8, 31), 6) == date(2026, 2, 28)


def counts(starters, completed, employed=0):
    return out.Counts(applications=starters, capacity=30, starters=starters, ended_starters=starters,
                      completed=completed, due_3m_completers=completed, employed_3m=employed,
                      due_6m_completers=completed, employed_6m=employed, partner_hires_6m=employed // 2,
                      due_180d_starters=starters, in_field_180d=employed)


def determinable(groups, hidden_c, hidden_t, hidden_city, key):
    """Every linear combination of the published cells of `key` (cohort, track and city rows): which hidden
    cohort numerators (and primary-hidden track sums) it pins down exactly. Rank test: a cell is determined
    iff its indicator vector lies in the row space of the published equations."""
    cells = [(t, i) for t, parts in groups.items() for i in range(len(parts))]
    col = {cell: j for j, cell in enumerate(cells)}
    rows = []
    for t, parts in groups.items():
        for i in range(len(parts)):
            if key not in hidden_c[t][i]:
                v = np.zeros(len(cells))
                v[col[(t, i)]] = 1
                rows.append(v)
        if key not in hidden_t[t]:
            v = np.zeros(len(cells))
            for i in range(len(parts)):
                v[col[(t, i)]] = 1
            rows.append(v)
    if key not in hidden_city:
        rows.append(np.ones(len(cells)))
    a = np.array(rows) if rows else np.zeros((0, len(cells)))
    base = np.linalg.matrix_rank(a) if rows else 0
    num, den = out.CELLS[key]
    exposed = []

    def pinned(v):
        return np.linalg.matrix_rank(np.vstack([a, v])) == base

    for t, parts in groups.items():
        for i, c in enumerate(parts):
            if key in hidden_c[t][i] and 0 < getattr(c, den) < out.MIN_CELL:
                v = np.zeros(len(cells))
                v[col[(t, i)]] = 1
                if pinned(v):
                    exposed.append((t, i))
        total = sum(parts, out.Counts())
        if key in hidden_t[t] and 0 < getattr(total, den) < out.MIN_CELL:
            v = np.zeros(len(cells))
            for i in range(len(parts)):
                v[col[(t, i)]] = 1
            if pinned(v):
                exposed.append((t, None))
    return exposed


def test_suppression_survives_every_subtraction_by_hand():
    # the case: a 4-starter cohort beside a 30-starter one; track minus cohort gave it back exactly
    groups = {"ai": [counts(4, 3, 2), counts(30, 24, 15)], "data": [counts(3, 3, 1), counts(20, 18, 12)],
              "robotics": [counts(25, 20, 10), counts(26, 21, 11)]}
    hc, ht, city = out.suppress(groups)
    assert "completion_rate" in hc["ai"][0] and "starters" in hc["ai"][0]
    assert "completion_rate" not in hc["ai"][1]
    assert {"starters", "completion_rate"} <= ht["ai"] and {"starters", "completion_rate"} <= ht["data"]
    assert "completion_rate" not in ht["robotics"]
    assert "completion_rate" not in city  # two hidden tracks: city - published = ai_4 + data_3, not either one
    for key in out.CELLS:
        assert determinable(groups, hc, ht, city, key) == [], key
    # with the data track's small cohort gone, the ai track is the only hidden one: the city hides it too
    groups["data"] = groups["data"][1:]
    hc, ht, city = out.suppress(groups)
    assert "completion_rate" in city
    for key in out.CELLS:
        assert determinable(groups, hc, ht, city, key) == [], key


def test_suppression_survives_every_subtraction_on_random_tables():
    rng = np.random.default_rng(21)
    checked = hidden_seen = 0
    for _ in range(300):
        groups = {}
        for t in range(rng.integers(1, 5)):
            parts = []
            for _ in range(rng.integers(1, 5)):
                starters = int(rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 12, 30]))
                completed = int(rng.integers(0, starters + 1))
                parts.append(counts(starters, completed, int(rng.integers(0, completed + 1))))
            groups[f"t{t}"] = parts
        hc, ht, city = out.suppress(groups)
        for key in out.CELLS:
            assert determinable(groups, hc, ht, city, key) == [], (key, groups)
            checked += 1
        hidden_seen += sum(bool(h) for parts in hc.values() for h in parts)
    assert checked == 300 * len(out.CELLS) and hidden_seen > 100


def test_names_of_only_spaces_or_control_characters_are_refused():
    assert enr.clean_name("  김민수 ") == "김민수"
    assert enr.clean_name("Anne-Marie O'Neil") == "Anne-Marie O'Neil"
    for bad in ("", "   ", "\t\n", "\u3000", "\x00", "\u200b", "Kim\x07", "\u202eKim", "\x1b[31m"):
        assert enr.clean_name(bad) is None, repr(bad)


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


def test_matching_replans_without_rejected_pairs():
    # 1 fits X best, 2 second; once (1, X) was rejected the plan gives X to 2 instead of leaving it empty
    grads = [par.Graduate(1, frozenset({"a", "b"}), "ai", 90), par.Graduate(2, frozenset({"a"}), "ai", 60)]
    vacancies = [par.Vacancy(10, 1, frozenset({"a", "b"}), "ai")]
    assert [(p["graduate"], p["opening"]) for p in par.match(grads, vacancies)] == [(1, 10)]
    assert [(p["graduate"], p["opening"]) for p in par.match(grads, vacancies, excluded={(1, 10)})] == [(2, 10)]


def test_match_steps():
    assert par.can_move("proposed", "interview") and par.can_move("offer", "hired")
    assert not par.can_move("proposed", "hired") and not par.can_move("hired", "rejected")
