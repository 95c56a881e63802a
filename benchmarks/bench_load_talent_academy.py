"""The academy when applications open: 300 desk clients (academy staff) applying at once to one offering of 30
seats (the rest waitlisted, in order), beside GET /healthz at the same concurrency.
Bounded: AICITY_LOAD_APPLICANTS (300) x AICITY_LOAD_PER_CLIENT (1) applications."""

import sys
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere
from tools.hardening import env_int, load_bench  # noqa: E402

APPLICANTS = env_int("AICITY_LOAD_APPLICANTS", 300)
PER_CLIENT = env_int("AICITY_LOAD_PER_CLIENT", 1)


def setup(http, identity, clients):
    staff = identity.headers("academy_staff")
    http.post("/v1/tracks", json={"id": "ai", "name": "AI"}, headers=staff).raise_for_status()
    http.post("/v1/courses", json={"id": "AI-101", "track_id": "ai", "title": "AI-101", "term": 1,
                                   "skills": ["python"]}, headers=staff).raise_for_status()
    now = datetime.now(UTC)
    starts = date.today() + timedelta(days=21)
    r = http.post("/v1/offerings", headers=staff, json={
        "code": f"AI-101-{uuid.uuid4().hex[:6]}", "course_id": "AI-101", "cohort": "2026-1", "capacity": 30,
        "opens_at": (now - timedelta(days=1)).isoformat(), "closes_at": (now + timedelta(days=7)).isoformat(),
        "starts_on": starts.isoformat(), "ends_on": (starts + timedelta(weeks=12)).isoformat()})
    r.raise_for_status()
    offering = r.json()["id"]
    learners = []
    for n in range(clients * PER_CLIENT):
        r = http.post("/v1/learners", headers=staff, json={"name": f"Learner {n}", "birth_date": "2000-05-01",
                                                            "residence": "Pohang"})
        r.raise_for_status()
        learners.append(r.json()["id"])
    # Staff apply at the desk: an enrolment_kiosk key belongs to transit (identity's DEVICE_SERVICE), so no
    # kiosk can reach the academy today (finding talent_academy F-ta-1).
    desks = [identity.headers("academy_staff") for _ in range(min(clients, 10))]

    def request(c, i):
        return {"method": "POST", "url": f"/v1/offerings/{offering}/enrolments", "headers": desks[c % len(desks)],
                "json": {"learner_id": learners[c * PER_CLIENT + i]}}

    return request


if __name__ == "__main__":
    sys.exit(load_bench("talent_academy", title="POST /v1/offerings/{id}/enrolments", clients=APPLICANTS,
                        per_client=PER_CLIENT, setup=setup))
