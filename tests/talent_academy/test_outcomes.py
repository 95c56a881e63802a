"""Completion, outcomes, indicators, overview and matching through the API (cohorts placed in the past)."""

from datetime import date, timedelta

from sqlalchemy import update
from sqlmodel import Session

from services.talent_academy.catalogue.models import Offering


def past_cohort(academy, n=6):
    """An offering with n enrolled learners, then moved into the past (ended 7 months ago)."""
    academy.course("AI-101", skills=("python", "pytorch"))
    offering = academy.offering(capacity=n + 2)
    ids = [academy.learner(name=f"G{i}", skills=["sql"] if i % 2 else []) for i in range(n)]
    enrolments = [academy.enrol(offering["id"], lid).json()["id"] for lid in ids]
    ends = date.today() - timedelta(days=215)
    starts = ends - timedelta(weeks=12)
    with Session(academy.engine) as session:
        session.execute(update(Offering).where(Offering.id == offering["id"]).values(starts_on=starts, ends_on=ends))
        session.commit()
    return offering, ids, enrolments


def test_completion_outcomes_and_indicators(academy, auth):
    offering, ids, enrolments = past_cohort(academy)
    academy.post("/v1/companies", {"id": "steelworks", "name": "Steelworks"}, expect=201)
    academy.post("/v1/companies", {"id": "corner-shop", "name": "Corner shop", "is_partner": False}, expect=201)
    for i, eid in enumerate(enrolments):
        r = academy.client.put(f"/v1/enrolments/{eid}/progress", headers=academy.headers, json={
            "sessions_attended": 60 if i < 5 else 40, "projects_passed": 2, "assessment_score": 70 + i})
        assert r.status_code == 200, r.text
    results = academy.post(f"/v1/offerings/{offering['id']}/completions", expect=200).json()
    assert [r["completion_status"] for r in results] == ["completed"] * 5 + ["not_completed"]
    assert results[5]["unmet"][0].startswith("attendance 67%")
    observed = str(date.today())
    for eid, company in zip(enrolments[:4], ["steelworks", "steelworks", "corner-shop", None], strict=True):
        body = {"checkpoint_months": 6, "employed": company is not None, "in_field": company == "steelworks",
                "company_id": company, "observed_on": observed}
        r = academy.client.put(f"/v1/enrolments/{eid}/outcomes", headers=academy.headers, json=body)
        assert r.status_code == 200 and r.json()["partner_hire"] == (company == "steelworks")
    bad = academy.client.put(f"/v1/enrolments/{enrolments[0]}/outcomes", headers=academy.headers,
                             json={"checkpoint_months": 4, "employed": True, "observed_on": observed})
    assert bad.json()["error"] == "invalid_checkpoint"

    official = auth.headers("official")
    rows = academy.get("/v1/indicators", headers=official, by="cohort").json()
    row = next(r for r in rows if r["offering_id"] == offering["id"])
    assert (row["applications"], row["starters"], row["capacity"]) == (6, 6, 8)
    assert row["completion_rate"] == round(5 / 6, 4)
    assert row["employment_rate_6m"] == 0.5  # 3 of 6: the two without a record count as not employed
    assert row["in_field_rate_6m"] == round(2 / 6, 4)
    assert row["partner_hire_share"] is None and row["suppressed"] == ["partner_hire_share"]  # 2 of 3: small cell
    track = academy.get("/v1/indicators", headers=official).json()
    assert track[0]["track_id"] == "ai" and track[0]["employment_rate_6m"] == 0.5

    overview = academy.get("/v1/overview", headers=official).json()
    figures = {f["key"]: f for f in overview["figures"]}
    assert figures["applications"]["value"] == 6 and figures["completion_rate"]["value"] == round(5 / 6, 4)
    assert figures["employment_rate_6m"]["value"] == 0.5
    assert {a["key"]: a["count"] for a in overview["attention"]}["outcomes_missing"] == 2


def test_matching_with_capacities_and_partner_isolation(academy, auth):
    offering, ids, enrolments = past_cohort(academy, n=5)
    for eid in enrolments:
        academy.client.put(f"/v1/enrolments/{eid}/progress", headers=academy.headers,
                           json={"sessions_attended": 60, "projects_passed": 3, "assessment_score": 80})
    academy.post(f"/v1/offerings/{offering['id']}/completions", expect=200)
    academy.post("/v1/companies", {"id": "steelworks", "name": "Steelworks"}, expect=201)
    academy.post("/v1/companies", {"id": "batteries", "name": "Battery materials", "parent_id": "steelworks"},
                 expect=201)
    steel = auth.headers("partner", company_id="steelworks")
    other = auth.headers("partner", company_id="batteries")
    assert academy.post("/v1/openings", {"company_id": "batteries", "title": "x", "seats": 1},
                        headers=steel).status_code == 403
    academy.post("/v1/openings", {"company_id": "steelworks", "title": "ML engineer", "track_id": "ai", "seats": 2,
                                  "required_skills": ["python", "pytorch"]}, headers=steel, expect=201)
    academy.post("/v1/openings", {"company_id": "batteries", "title": "Data analyst", "track_id": "data", "seats": 1,
                                  "required_skills": ["sql"]}, headers=other, expect=201)
    academy.post("/v1/commitments", {"company_id": "steelworks", "track_id": "ai", "year": date.today().year,
                                     "seats": 2}, headers=steel, expect=201)
    matches = academy.post("/v1/matching/runs", {}, expect=201).json()
    per_company = {}
    for m in matches:
        per_company[m["company_id"]] = per_company.get(m["company_id"], 0) + 1
        assert m["explanation"]["skills_matched"] and "score" in m["explanation"]
    assert per_company == {"steelworks": 2, "batteries": 1}
    assert len({m["learner_id"] for m in matches}) == 3
    assert academy.post("/v1/matching/runs", {}, expect=201).json() == []  # seats full: nothing more

    mine = academy.get("/v1/matches", headers=steel).json()
    assert {m["company_id"] for m in mine} == {"steelworks"} and len(mine) == 2
    theirs = next(m for m in matches if m["company_id"] == "batteries")
    assert academy.post(f"/v1/matches/{theirs['id']}/status", {"status": "interview"},
                        headers=steel).status_code == 403
    step = academy.post(f"/v1/matches/{mine[0]['id']}/status", {"status": "hired"}, headers=steel)
    assert step.status_code == 409 and step.json()["error"] == "invalid_match_step"
    for status in ("interview", "offer", "hired"):
        academy.post(f"/v1/matches/{mine[0]['id']}/status", {"status": status}, headers=steel, expect=200)
    commitments = academy.get("/v1/commitments", headers=steel).json()
    assert commitments[0]["hired"] == 1 and commitments[0]["seats"] == 2
