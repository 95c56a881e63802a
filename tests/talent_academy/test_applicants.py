"""The applicants' public API: catalogue, apply with consent, status link, look-up, accept/decline/withdraw."""

from datetime import timedelta
from urllib.parse import urlsplit

from services.common.db import utcnow


def application(offering_id, name="김하늘", birth="2001-04-05", **kw):
    return {"offering_id": offering_id, "name": name, "birth_date": birth, "residence": "Pohang",
            "contact": "010-1234-5678", "skills": ["python"], "consent_privacy": True, "consent_to_share": True,
            **kw}


def test_apply_waitlist_offer_accept_through_the_public_api(academy):
    academy.course("AI-101")
    academy.course("AI-201", term=2)
    academy.post("/v1/courses/AI-201/prerequisites", {"requires": "AI-101"}, expect=201)
    academy.post("/v1/companies", {"id": "steelworks", "name": "Steelworks"}, expect=201)
    academy.post("/v1/openings", {"company_id": "steelworks", "title": "ML engineer", "track_id": "ai", "seats": 2},
                 expect=201)
    offering = academy.offering(capacity=1)
    advanced = academy.offering(course="AI-201")
    closed = academy.offering(opens_at=(utcnow() - timedelta(days=5)).isoformat(),
                              closes_at=(utcnow() - timedelta(days=1)).isoformat())
    public = {}  # no Authorization header at all
    cat = academy.client.get("/v1/public/catalogue", headers=public).json()
    row = next(o for o in cat["offerings"] if o["id"] == offering["id"])
    assert (row["seats_left"], row["window"], row["prerequisites"]) == (1, "open", [])
    assert next(o for o in cat["offerings"] if o["id"] == advanced["id"])["prerequisites"] == ["AI-101"]
    assert cat["tracks"][0]["hiring"] == [{"company": "Steelworks", "title": "ML engineer", "seats": 2}]

    first = academy.client.post("/v1/public/applications", json=application(offering["id"]), headers=public)
    assert first.status_code == 201 and first.json()["status"] == "enrolled", first.text
    second = academy.client.post("/v1/public/applications", headers=public,
                                 json=application(offering["id"], name="이바다", birth="1999-12-31"))
    s2 = second.json()
    assert s2["status"] == "waitlisted" and s2["position"] == 1 and len(s2["application_no"]) == 8 and s2["token"]
    again = academy.client.post("/v1/public/applications", json=application(offering["id"]), headers=public)
    assert again.status_code == 409 and again.json()["error"] == "already_applied"
    for body, status, code in ((application(advanced["id"], name="박"), 422, "prerequisites_missing"),
                               (application(closed["id"], name="최"), 409, "enrolment_closed"),
                               (application(offering["id"], name="정", consent_privacy=False), 422,
                                "consent_required"),
                               (application(offering["id"], name=" \u200b "), 422, "invalid_name")):
        r = academy.client.post("/v1/public/applications", json=body, headers=public)
        assert (r.status_code, r.json()["error"]) == (status, code), r.text

    assert academy.client.get("/v1/public/application").json()["error"] == "link_missing"
    assert academy.client.get("/v1/public/application", headers={"X-Application-Token": "nope"}).status_code == 401
    wrong = academy.client.post("/v1/public/applications/lookup",
                                json={"application_no": s2["application_no"], "birth_date": "1999-12-30"})
    assert wrong.status_code == 404 and wrong.json()["error"] == "application_not_found"
    found = academy.client.post("/v1/public/applications/lookup",
                                json={"application_no": s2["application_no"].lower(), "birth_date": "1999-12-31"})
    assert found.status_code == 200 and found.json()["position"] == 1 and found.json()["token"] != s2["token"]

    mine = {"X-Application-Token": first.json()["token"]}
    out = academy.client.post("/v1/public/application/withdraw", headers=mine).json()
    assert out["status"] == "withdrawn"
    theirs = {"X-Application-Token": found.json()["token"]}
    offer = academy.client.get("/v1/public/application", headers=theirs).json()
    assert offer["status"] == "offered" and offer["offer_expires_at"]
    accepted = academy.client.post("/v1/public/application/accept", headers=theirs)
    assert accepted.status_code == 200 and accepted.json()["status"] == "enrolled"
    late = academy.client.post("/v1/public/application/decline", headers=theirs)
    assert late.status_code == 409 and late.json()["error"] == "no_offer"
    page = academy.client.get("/screens/academy")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]


def test_lookups_are_limited_per_client_address(academy):
    """Ten tries in a window (right or wrong birth date alike), then 429 `rate_limited` with Retry-After; guessing
    a birth date needs thousands of tries, so the window (10 per 50 s) makes that take days."""
    academy.course("AI-101")
    offering = academy.offering(capacity=1)
    mine = academy.client.post("/v1/public/applications", json=application(offering["id"])).json()
    right = {"application_no": mine["application_no"], "birth_date": "2001-04-05"}
    wrong = {**right, "birth_date": "2001-04-06"}
    answers = [academy.client.post("/v1/public/applications/lookup", json=wrong if i % 2 else right).status_code
               for i in range(10)]
    assert answers == [200, 404] * 5
    refused = academy.client.post("/v1/public/applications/lookup", json=right)
    assert refused.status_code == 429 and refused.json()["error"] == "rate_limited", refused.text
    assert 0 < refused.json()["detail"]["retry_after_s"] <= 50 and 1 <= int(refused.headers["Retry-After"]) <= 50
    # the token link is not a look-up: it keeps working while look-ups wait
    status = academy.client.get("/v1/public/application", headers={"X-Application-Token": mine["token"]})
    assert status.status_code == 200 and status.json()["status"] == "enrolled"


def test_aicity_up_prints_the_applicant_page(academy, monkeypatch, tmp_path):
    """`aicity up` ends its start-up lines with the citizen screens; the academy's needs no device key, so it is
    printed even before any demo credentials exist, and the address it prints is the page served."""
    from services import cli

    monkeypatch.setattr(cli, "CREDENTIALS_FILE", tmp_path / "none.json")
    line = next(line for line in cli._screen_links() if line.startswith("academy (apply)"))
    address = line.split()[-1]
    assert address == f"http://127.0.0.1:{cli.SERVICES['talent_academy'].port}/screens/academy"
    page = academy.client.get(urlsplit(address).path)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
