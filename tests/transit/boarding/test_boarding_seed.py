"""The demo seed loads once, and the simulator drives boarding through the real HTTP API."""

import random

from sqlalchemy import func, select
from sqlmodel import Session

from services.transit.boarding import seed as boarding_seed
from services.transit.boarding.models import Boarding, FaceTemplate
from services.transit.boarding.simulator import Simulator


def test_seed_is_idempotent_and_the_simulator_boards_through_the_api(client_for, auth, service_db):
    client = client_for("transit")
    db = service_db("transit")
    settings = client.app.state.settings
    first = boarding_seed.seed(db.engine, settings=settings, credentials={})
    assert first["seeded"] and first["faces"] == 3
    assert boarding_seed.seed(db.engine, settings=settings, credentials={}) == {"seeded": False}
    with Session(db.engine) as s:
        assert s.execute(select(func.count()).select_from(FaceTemplate)).scalar() == 3
        before = s.execute(select(func.count()).select_from(Boarding)).scalar()
    client.app.state.gallery_follower.catch_up()
    devices = {}
    for name, kind, place in boarding_seed.DEMO_DEVICES:
        device_id, key = auth.device(kind, place, name=f"{name}-test")
        devices[name] = {"id": device_id, "key": key, "kind": kind, "place": place}
    sim = Simulator(base_url="http://testserver", credentials={"devices": devices}, rng=random.Random(1), rate=1.0)
    sim.client = client  # the TestClient speaks the same httpx API, without a socket
    answers = [sim.board() for _ in range(6)]
    assert {a["decision"] for a in answers} <= {"verified", "mismatch", "identified", "unknown", "no_face"}
    with Session(db.engine) as s:
        assert s.execute(select(func.count()).select_from(Boarding)).scalar() == before + 6
