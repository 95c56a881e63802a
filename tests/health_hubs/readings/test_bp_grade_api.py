"""Through the API: a BP answer and the resident's record carry the guideline grade and the flags, so grade 1
and grade 2 isolated systolic hypertension, and the grade of a crisis reading, stay told apart."""


def test_answer_and_record_carry_grade_and_flags(hub):
    rid = hub.register()["resident"]["id"]
    cases = [  # two measurements each, averaged (round half up)
        (((140, 89), (140, 89)), "isolated_systolic", "hypertension_grade1", ["isolated_systolic"], "see_nurse"),
        (((146, 70), (144, 70)), "isolated_systolic", "hypertension_grade1", ["isolated_systolic"], "see_nurse"),
        (((166, 85), (164, 85)), "isolated_systolic", "hypertension_grade2", ["isolated_systolic"],
         "see_nurse_today"),
        (((186, 80), (184, 80)), "crisis", "hypertension_grade2", ["isolated_systolic", "crisis"], "call_119"),
        (((150, 125), (150, 123)), "crisis", "hypertension_grade2", ["crisis"], "call_119"),
        (((118, 76), (116, 74)), "normal", "normal", [], "none"),
    ]
    for pair, category, grade, flags, step in cases:
        body = hub.post_bp(rid, *pair).json()
        assert (body["category"], body["bp_grade"], body["bp_flags"], body["next_step"]["code"]) == (
            category, grade, flags, step), pair
    record = hub.client.get(f"/v1/residents/{rid}/readings", headers=hub.staff).json()
    assert sorted((r["systolic"], r["bp_grade"], tuple(r["bp_flags"])) for r in record) == sorted(
        (sum(s for s, _ in pair) // 2, grade, tuple(flags))
        for pair, _, grade, flags, _ in cases)
