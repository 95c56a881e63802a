"""200 people apply at once for 30 seats through real HTTP against the real database (SQLite by default,
PostgreSQL with AICITY_TEST_POSTGRES_URL): the cap holds and the waitlist has no gaps."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import httpx
from sqlalchemy import func, select
from sqlmodel import Session

from services.talent_academy.catalogue.models import Offering
from services.talent_academy.enrolment.models import Enrolment, Learner

from .conftest import Academy


def test_200_concurrent_applications_for_30_seats(live_academy, client_for, auth, service_db):
    engine = service_db("talent_academy").engine
    staff = auth.headers("academy_staff")
    academy = Academy(client_for("talent_academy"), staff, engine)
    academy.course("AI-101")
    offering = academy.offering(capacity=30, waitlist_cap=500)
    with Session(engine) as session:
        learners = [Learner(id=uuid.uuid4(), name=f"L{i}", birth_date=date(2000, 1, 1), residence="Pohang")
                    for i in range(200)]
        session.add_all(learners)
        session.commit()
        ids = [str(x.id) for x in learners]

    barrier = threading.Barrier(200)
    url = f"{live_academy}/v1/offerings/{offering['id']}/enrolments"

    http = httpx.Client(timeout=120, limits=httpx.Limits(max_connections=200, max_keepalive_connections=200))

    def apply(learner_id):
        try:
            barrier.wait(timeout=20)
        except threading.BrokenBarrierError:
            pass
        return http.post(url, json={"learner_id": learner_id}, headers=staff)

    with http, ThreadPoolExecutor(max_workers=200) as pool:
        responses = list(pool.map(apply, ids))

    assert [r.status_code for r in responses] == [201] * 200, {r.status_code: r.text for r in responses}
    answers = [r.json() for r in responses]
    enrolled = [a for a in answers if a["status"] == "enrolled"]
    waitlisted = [a for a in answers if a["status"] == "waitlisted"]
    assert len(enrolled) == 30
    assert sorted(a["position"] for a in waitlisted) == list(range(1, 171))  # answered positions: no gaps, no repeats
    with Session(engine) as session:
        row = session.execute(select(Offering).where(Offering.id == offering["id"])).scalar_one()
        assert (row.seats_taken, row.waitlist_count) == (30, 170)
        held = session.execute(select(func.count()).select_from(Enrolment).where(
            Enrolment.offering_id == offering["id"], Enrolment.status == "enrolled")).scalar_one()
        assert held == 30

    # the waitlist as staff see it now: 1..170 in ticket order
    listed = academy.get(f"/v1/offerings/{offering['id']}/waitlist").json()
    assert [w["position"] for w in listed] == list(range(1, 171))
    first = listed[0]

    # a retry by anyone answers the same, nothing new recorded
    again = academy.enrol(offering["id"], enrolled[0]["learner_id"])
    assert again.status_code == 200 and again.json()["id"] == enrolled[0]["id"]

    # a withdrawal promotes position 1 in the same transaction, the others move up by one
    out = academy.post(f"/v1/enrolments/{enrolled[0]['id']}/withdraw", expect=200).json()
    assert out["enrolment"]["status"] == "withdrawn"
    assert out["promoted"]["id"] == first["id"] and out["promoted"]["status"] == "offered"
    after = academy.get(f"/v1/offerings/{offering['id']}/waitlist").json()
    assert [w["position"] for w in after] == list(range(1, 170))
    assert after[0]["id"] == listed[1]["id"]
    seats = academy.get(f"/v1/offerings/{offering['id']}").json()
    assert seats["seats_taken"] == 30 and seats["waitlist_count"] == 169
