"""The routes anyone may call without an account (the academy's applicant routes, the near-miss phone page) are
limited per client address: past a burst of 10 they answer 429 `rate_limited` with Retry-After, so one source
can neither guess birth dates, nor fill a cohort's waitlist with made-up applicants, nor flood the safety log."""

import pytest
from starlette.testclient import TestClient

BURST = 10

PUBLIC_POSTS = {
    "talent_academy": [
        ("/v1/public/applications/lookup", {"application_no": "A-0000", "birth_date": "1990-01-01"}),
        ("/v1/public/applications", {"offering_id": 999999, "name": "x", "birth_date": "1990-01-01",
                                     "residence": "Buk-gu", "contact": "010-0000-0000", "consent_privacy": True}),
    ],
    "industry": [
        ("/v1/safety/near-misses", {"site_id": "no-such-site", "category": "fall",
                                    "occurred_at": "2026-11-30T08:00:00+09:00"}),
    ],
}


@pytest.mark.parametrize("service,path,body", [(s, p, b) for s, routes in PUBLIC_POSTS.items() for p, b in routes])
def test_anonymous_routes_are_limited_per_address(service, path, body, client_for):
    client = client_for(service)
    answers = [client.post(path, json=body) for _ in range(BURST)]
    assert all(r.status_code not in (429, 500) for r in answers), [r.status_code for r in answers]
    r = client.post(path, json=body)
    assert r.status_code == 429, r.text
    assert r.json()["error"] == "rate_limited"
    assert 1 <= int(r.headers["Retry-After"]) <= 50  # 10 in any 50 s (0.2 per second sustained)
    # another client address still passes: the count is per address, not for everyone
    with TestClient(client.app, raise_server_exceptions=False, client=("203.0.113.7", 50000)) as other:
        assert other.post(path, json=body).status_code not in (429, 500)
