"""Completion, outcomes, indicators, overview, matching, audit and erasure through the API (cohorts placed in
the past), on the real database (SQLite by default, PostgreSQL with AICITY_TEST_POSTGRES_URL)."""

import uuid
from datetime import date, timedelta

from sqlalchemy import func, select, update
from sqlmodel import Session

from services.common.db import utcnow
from services.talent_academy.catalogue.domain import local_date
from services.talent_academy.catalogue.models import Offering
from services.talent_academy.enrolment.models import Enrolment, Learner, LearnerAccess
from services.talent_academy.outcomes.models import Outcome
from services.talent_academy.partners.models import Match


def past_cohort(academy, n=6, consent=True, days_ago=215, course="AI-101"):
    """An offering with n enrolled learners, then moved into the past (ended `days_ago` days ago)."""
    academy.course(course, skills=("python", "pytorch"))
    offering = academy.offering(course=course, capacity=n + 2)
    ids = [academy.learner(name=f"G{i}", skills=["sql"] if i % 2 else [], consent_to_share=consent)
           for i in range(n)]
    enrolments = [academy.enrol(offering["id"], lid).json()["id"] for lid in ids]
    ends = date.today() - timedelta(days=days_ago)
    starts = ends - timedelta(weeks=12)
    with Session(academy.engine) as session:
        session.execute(update(Offering).where(Offering.id == offering["id"]).values(starts_on=starts, ends_on=ends))
        session.commit()
    offering.update(starts_on=str(starts), ends_on=str(ends))
    return offering, ids, enrolments


def complete_all(academy, offering, enrolments, passing=None):
    for i, eid in enumerate(enrolments):
        ok = passing is None or i in passing
        r = academy.client.put(f"/v1/enrolments/{eid}/progress", headers=academy.headers, json={
            "sessions_attended": 60 if ok else 40, "projects_passed": 2, "assessment_score": 70 + i})
        assert r.status_code == 200, r.text
    return academy.post(f"/v1/offerings/{offering['id']}/completions", expect=200).json()


def test_completion_outcomes_and_indicators_by_hand(academy, auth):
    offering, ids, enrolments = past_cohort(academy)
    ends = date.fromisoformat(offering["ends_on"])
    academy.post("/v1/companies", {"id": "steelworks", "name": "Steelworks"}, expect=201)
    academy.post("/v1/companies", {"id": "corner-shop", "name": "Corner shop", "is_partner": False}, expect=201)
    results = complete_all(academy, offering, enrolments, passing=range(5))
    assert [r["completion_status"] for r in results] == ["completed"] * 5 + ["not_completed"]
    assert results[5]["unmet"][0].startswith("attendance 67%")
    observed = str(date.today())
    # five completers: e0 starts at steelworks 30 days after the end, e1 100 days after, e2 at a corner shop
    # 200 days after (outside both windows), e3 unemployed, e4 no record; e5 did not complete
    jobs = [("steelworks", 30), ("steelworks", 100), ("corner-shop", 200), (None, None)]
    for eid, (company, days) in zip(enrolments[:4], jobs, strict=True):
        body = {"checkpoint_months": 6, "employed": company is not None, "in_field": company == "steelworks",
                "company_id": company, "observed_on": observed, "evidence_source": "employment_insurance",
                "employed_on": str(ends + timedelta(days=days)) if days else None}
        r = academy.client.put(f"/v1/enrolments/{eid}/outcomes", headers=academy.headers, json=body)
        assert r.status_code == 200 and r.json()["partner_hire"] == (company == "steelworks"), r.text
    for bad, code in (({"checkpoint_months": 4, "employed": False, "observed_on": observed}, "invalid_checkpoint"),
                      ({"checkpoint_months": 6, "employed": False, "observed_on": "1999-01-01"},
                       "observation_before_programme"),
                      ({"checkpoint_months": 6, "employed": False,
                        "observed_on": str(date.today() + timedelta(days=3))}, "observation_in_future"),
                      ({"checkpoint_months": 6, "employed": True, "observed_on": observed}, "employment_date_missing")):
        r = academy.client.put(f"/v1/enrolments/{enrolments[0]}/outcomes", headers=academy.headers, json=bad)
        assert r.status_code == 422 and r.json()["error"] == code, r.text
    with Session(academy.engine) as session:  # nothing half-written by the refusals
        assert session.execute(select(func.count()).select_from(Outcome)).scalar_one() == 4

    official = auth.headers("official")
    rows = academy.get("/v1/indicators", headers=official, by="cohort").json()
    row = next(r for r in rows if r["offering_id"] == offering["id"])
    assert (row["applications"], row["starters"], row["completers"], row["capacity"]) == (6, 6, 5, 8)
    assert row["completion_rate"] == round(5 / 6, 4)
    assert row["employment_rate_6m"] == 0.4  # KDT: e0, e1 of 5 completers (e2 began on day 200)
    assert row["in_field_rate_180d"] == round(2 / 6, 4)  # CIRR: e0, e1 of 6 who enrolled
    assert row["partner_hire_share"] is None and row["suppressed"] == ["partner_hire_share"]  # 2 of 2: small
    assert "K-Digital Training" in row["definitions"]["employment_rate_6m"]["source"]
    assert "CIRR" in row["definitions"]["in_field_rate_180d"]["source"]
    track = academy.get("/v1/indicators", headers=official).json()
    assert track[0]["track_id"] == "ai" and track[0]["employment_rate_6m"] == 0.4
    city = academy.get("/v1/indicators", headers=official, by="city").json()
    assert city[0]["employment_rate_6m"] == 0.4

    overview = academy.get("/v1/overview", headers=official).json()
    figures = {f["key"]: f for f in overview["figures"]}
    assert figures["applications"]["value"] == 6 and figures["completion_rate"]["value"] == round(5 / 6, 4)
    assert figures["employment_rate_6m"]["value"] == 0.4 and "KDT" in figures["employment_rate_6m"]["label"]
    assert {a["key"]: a["count"] for a in overview["attention"]}["outcomes_missing"] == 2


def test_matching_only_consenting_replanned_without_rejected_pairs_and_a_hire_is_an_outcome(academy, auth):
    offering, ids, enrolments = past_cohort(academy, n=6)
    complete_all(academy, offering, enrolments)
    # one completer takes consent back: never a candidate, never matched
    r = academy.client.put(f"/v1/learners/{ids[5]}/consent", headers=academy.headers,
                           json={"consent_to_share": False})
    assert r.status_code == 200 and r.json()["consent_to_share"] is False
    academy.post("/v1/companies", {"id": "steelworks", "name": "Steelworks"}, expect=201)
    academy.post("/v1/companies", {"id": "batteries", "name": "Battery materials", "parent_id": "steelworks"},
                 expect=201)
    steel = auth.headers("partner", company_id="steelworks")
    other = auth.headers("partner", company_id="batteries")
    assert academy.post("/v1/openings", {"company_id": "batteries", "title": "x", "seats": 1},
                        headers=steel).status_code == 403
    opening = academy.post("/v1/openings", {"company_id": "steelworks", "title": "ML engineer", "track_id": "ai",
                                            "seats": 2, "required_skills": ["python", "pytorch", "sql"]},
                           headers=steel, expect=201).json()
    academy.post("/v1/openings", {"company_id": "batteries", "title": "Data analyst", "track_id": "data", "seats": 1,
                                  "required_skills": ["sql"]}, headers=other, expect=201)
    academy.post("/v1/commitments", {"company_id": "steelworks", "track_id": "ai", "year": date.today().year,
                                     "seats": 2}, headers=steel, expect=201)
    candidates = academy.get("/v1/candidates", headers=steel).json()
    assert {c["learner_id"] for c in candidates} == set(ids[:5])  # the one without consent is not shown
    matches = academy.post("/v1/matching/runs", {}, expect=201).json()
    assert ids[5] not in {m["learner_id"] for m in matches}
    per_company = {}
    for m in matches:
        per_company[m["company_id"]] = per_company.get(m["company_id"], 0) + 1
    assert per_company == {"steelworks": 2, "batteries": 1}
    mine = [m for m in matches if m["company_id"] == "steelworks"]
    # steelworks turns one down: the next run gives that seat to the next best consenting graduate
    academy.post(f"/v1/matches/{mine[0]['id']}/status", {"status": "rejected"}, headers=steel, expect=200)
    again = academy.post("/v1/matching/runs", {}, expect=201).json()
    assert len(again) == 1 and again[0]["opening_id"] == opening["id"]
    assert again[0]["learner_id"] not in {m["learner_id"] for m in matches}
    assert again[0]["learner_id"] != ids[5]
    assert academy.post("/v1/matching/runs", {}, expect=201).json() == []

    theirs = next(m for m in matches if m["company_id"] == "batteries")
    assert academy.post(f"/v1/matches/{theirs['id']}/status", {"status": "interview"},
                        headers=steel).status_code == 404  # another company's match is not found
    step = academy.post(f"/v1/matches/{mine[1]['id']}/status", {"status": "hired"}, headers=steel)
    assert step.status_code == 409 and step.json()["error"] == "invalid_match_step"
    official = auth.headers("official")
    before = academy.get("/v1/indicators", headers=official, by="cohort").json()[0]
    assert before["employment_rate_6m"] == 0.0
    for status in ("interview", "offer", "hired"):
        academy.post(f"/v1/matches/{mine[1]['id']}/status", {"status": status}, headers=steel, expect=200)
    commitments = academy.get("/v1/commitments", headers=steel).json()
    assert commitments[0]["hired"] == 1 and commitments[0]["seats"] == 2
    # a learner who takes consent back: the open proposal is withdrawn and the partner no longer sees the profile
    rematched = again[0]["learner_id"]
    academy.client.put(f"/v1/learners/{rematched}/consent", headers=academy.headers, json={"consent_to_share": False})
    seen = next(m for m in academy.get("/v1/matches", headers=steel).json() if m["learner_id"] == rematched)
    assert seen["status"] == "rejected" and seen["explanation"] == {}
    with Session(academy.engine) as session:
        outcome = session.execute(select(Outcome).where(Outcome.enrolment_id == mine[1]["enrolment_id"])).scalar_one()
        assert (outcome.employed, outcome.partner_hire, outcome.evidence_source, outcome.employed_on) == (
            True, True, "partner_hire", local_date(utcnow()))  # Pohang's day: at 08:00 KST UTC is still yesterday
    # the cohort ended 215 days ago: a hire today is outside KDT's 6 months, so the rate does not move ...
    after = academy.get("/v1/indicators", headers=official, by="cohort").json()[0]
    assert after["employment_rate_6m"] == 0.0


def test_a_partner_hire_within_six_months_moves_the_placement_rate(academy, auth):
    offering, ids, enrolments = past_cohort(academy, n=5, days_ago=200)  # ended 200 days ago
    complete_all(academy, offering, enrolments)
    academy.post("/v1/companies", {"id": "steelworks", "name": "Steelworks"}, expect=201)
    steel = auth.headers("partner", company_id="steelworks")
    opening = academy.post("/v1/openings", {"company_id": "steelworks", "title": "ML", "track_id": "ai", "seats": 1,
                                            "required_skills": ["python"]}, headers=steel, expect=201).json()
    # the hire took place on day 150 (put back in time: the window is what is tested, not the clock)
    cand = academy.get("/v1/candidates", headers=steel).json()[0]
    m = academy.post(f"/v1/candidates/{cand['enrolment_id']}/nominate", {"opening_id": opening["id"]},
                     headers=steel, expect=201).json()
    assert m["status"] == "interview"
    official = auth.headers("official")
    assert academy.get("/v1/indicators", headers=official, by="cohort").json()[0]["employment_rate_6m"] == 0.0
    for status in ("offer", "hired"):
        academy.post(f"/v1/matches/{m['id']}/status", {"status": status}, headers=steel, expect=200)
    day150 = date.fromisoformat(offering["ends_on"]) + timedelta(days=150)
    with Session(academy.engine) as session:
        session.execute(update(Outcome).where(Outcome.enrolment_id == cand["enrolment_id"]).values(
            employed_on=day150, observed_on=day150))
        session.commit()
    row = academy.get("/v1/indicators", headers=official, by="cohort").json()[0]
    assert row["employment_rate_6m"] == 0.2 and row["in_field_rate_180d"] == 0.2  # 1 of 5


def test_every_staff_and_partner_read_of_a_learner_is_audited(academy, auth):
    offering, ids, enrolments = past_cohort(academy, n=5)
    complete_all(academy, offering, enrolments)
    academy.get(f"/v1/learners/{ids[0]}")
    academy.get(f"/v1/enrolments/{enrolments[1]}")
    academy.get(f"/v1/learners/{ids[2]}/path", target="AI-101")
    academy.post("/v1/companies", {"id": "steelworks", "name": "Steelworks"}, expect=201)
    steel = auth.headers("partner", company_id="steelworks")
    academy.get("/v1/candidates", headers=steel)
    academy.get(f"/v1/offerings/{offering['id']}/enrolments")  # the staff workspace's applications queue
    academy.get(f"/v1/offerings/{offering['id']}/waitlist")
    opening = academy.post("/v1/openings", {"company_id": "steelworks", "title": "ML", "track_id": "ai", "seats": 1},
                           headers=steel, expect=201).json()
    academy.post(f"/v1/candidates/{enrolments[3]}/nominate", {"opening_id": opening["id"]}, headers=steel,
                 expect=201)
    academy.get("/v1/matches", headers=steel)
    log = academy.get("/v1/learner-access", limit=1000).json()
    seen = {(e["action"], e["learner_id"], e["actor_role"], e["actor_company"]) for e in log}
    assert {lid for a, lid, role, _ in seen if a == "read_enrolments" and role == "academy_staff"} == set(ids)
    assert ("read_matches", ids[3], "partner", "steelworks") in seen
    assert ("read_learner", ids[0], "academy_staff", None) in seen
    assert ("read_enrolment", ids[1], "academy_staff", None) in seen
    assert ("read_path", ids[2], "academy_staff", None) in seen
    assert {lid for a, lid, role, company in seen if a == "read_candidates" and company == "steelworks"} == set(ids)
    assert academy.get("/v1/learner-access", headers=steel).status_code == 403


def test_erasure_after_the_programme_keeps_only_anonymous_counts(academy, auth):
    running, running_ids, _ = past_cohort(academy, n=1, days_ago=-30, course="RUN-1")  # ends in 30 days
    r = academy.client.delete(f"/v1/learners/{running_ids[0]}", headers=academy.headers)
    assert r.status_code == 409 and r.json()["error"] == "programme_running"
    offering, ids, enrolments = past_cohort(academy, n=5)
    complete_all(academy, offering, enrolments)
    ends = date.fromisoformat(offering["ends_on"])
    body = {"checkpoint_months": 6, "employed": True, "in_field": True, "observed_on": str(date.today()),
            "employed_on": str(ends + timedelta(days=20))}
    academy.client.put(f"/v1/enrolments/{enrolments[0]}/outcomes", headers=academy.headers, json=body)
    official = auth.headers("official")
    before = academy.get("/v1/indicators", headers=official, by="cohort").json()
    r = academy.client.delete(f"/v1/learners/{ids[0]}", headers=academy.headers)
    assert r.status_code == 200 and r.json()["enrolments_kept_anonymous"] == 1, r.text
    assert academy.get(f"/v1/learners/{ids[0]}").json()["error"] == "learner_not_found"
    assert academy.client.delete(f"/v1/learners/{ids[0]}", headers=academy.headers).status_code == 404
    after = academy.get("/v1/indicators", headers=official, by="cohort").json()
    assert after == before  # the counts stand
    with Session(academy.engine) as session:
        assert session.get(Learner, uuid.UUID(ids[0])) is None
        e = session.get(Enrolment, enrolments[0])
        assert str(e.learner_id) != ids[0] and e.assessment_score is None
        stub = session.get(Learner, e.learner_id)
        assert (stub.name, stub.residence, stub.skills, stub.contact, stub.consent_to_share) == ("", "", [], None,
                                                                                               False)
        assert stub.erased_at is not None
        assert session.execute(select(func.count()).select_from(Match).where(
            Match.learner_id == uuid.UUID(ids[0]))).scalar_one() == 0
    # the erasure itself is not a read; the access log keeps who read the record before (accountability)
    with Session(academy.engine) as session:
        assert session.execute(select(func.count()).select_from(LearnerAccess).where(
            LearnerAccess.learner_id == uuid.UUID(ids[0]))).scalar_one() == 0


def test_whitespace_or_control_names_are_refused(academy):
    for bad in ("   ", "\t\n", "\u3000", "\x00", "\u200b", "Kim\x07"):
        r = academy.post("/v1/learners", {"name": bad, "birth_date": "2000-01-01", "residence": "Pohang"})
        assert r.status_code == 422 and r.json()["error"] in ("invalid_name", "validation_error"), (bad, r.text)
    r = academy.post("/v1/learners", {"name": "  이 서연 ", "birth_date": "2000-01-01", "residence": "Pohang"},
                     expect=201)
    assert r.json()["name"] == "이 서연"
    with Session(academy.engine) as session:
        assert session.execute(select(func.count()).select_from(Learner)).scalar_one() == 1
