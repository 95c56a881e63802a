"""The demo seed loads once and reads sensibly; the simulator then drives the API without errors."""

import random
from datetime import date

from sqlmodel import Session

from services.talent_academy import seed
from services.talent_academy.outcomes import service as outcomes
from services.talent_academy.simulator import Simulator


def test_seed_once_then_simulate(client_for, auth, service_db):
    engine = service_db("talent_academy").engine
    summary = seed.seed(engine, settings=None, credentials={})
    assert summary["seeded"] and summary["offerings"] == 30
    assert seed.seed(engine, settings=None, credentials={}) == {"seeded": False}
    with Session(engine) as session:
        rows = outcomes.indicators(session, today=date.today(), by="track")
    assert {r["track_id"] for r in rows} == {t[0] for t in seed.TRACKS}
    for r in rows:
        assert 0.5 < r["completion_rate"] < 0.95 and 0.4 < r["employment_rate_6m"] < 0.85  # KDT reports 67-68%
        assert r["fill_rate"] <= 1 and r["partner_hire_share"] is not None

    sim = Simulator(base_url="http://testserver", credentials={}, rng=random.Random(3), rate=3)
    sim.client = client_for("talent_academy")
    sim.headers = auth.headers("academy_staff")
    for _ in range(15):
        sim.step()
    assert sim.mine
