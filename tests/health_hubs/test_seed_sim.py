"""Demo data loads once with plausible values; the simulator drives the service through its HTTP API."""

import random

from sqlalchemy import func, select

from services.health_hubs.readings.models import Reading
from services.health_hubs.residents.models import Resident
from services.health_hubs.seed import DEMO_DEVICES, seed
from services.health_hubs.settings import HealthHubsSettings
from services.health_hubs.simulator import Simulator


def test_seed_once_then_simulate_through_the_api(hub):
    assert [d[0] for d in DEMO_DEVICES][:2] == ["kiosk-C001", "kiosk-C002"] and len(DEMO_DEVICES) == 10
    settings = HealthHubsSettings(database_url=hub.db.url)
    devices = {"kiosk-C001": {"id": hub.kiosk_id, "key": hub.kiosk["Authorization"].split()[1],
                              "kind": "health_kiosk", "place": "C001"}}
    summary = seed(hub.db.engine, settings=settings, credentials={"devices": devices})
    assert summary["seeded"] and summary["residents"] == 600 and summary["readings"] > 3000
    assert seed(hub.db.engine, settings=settings, credentials={"devices": devices}) == {"seeded": False}
    with hub.db.engine.connect() as conn:
        mean_sys = conn.execute(select(func.avg(Reading.systolic))).scalar_one()
        assert 120 < float(mean_sys) < 145
        before = conn.execute(select(func.count()).select_from(Reading)).scalar_one()
        assert conn.execute(select(func.count()).select_from(Resident)).scalar_one() == 600
    city = hub.client.get("/v1/indicators", headers=hub.official).json()["cells"][0]
    assert city["counts"]["registered"]["value"] == 600
    sim = Simulator(base_url="http://testserver", credentials={"devices": devices}, rng=random.Random(1), rate=20)
    sim.client = hub.client  # the same HTTP API, served in-process
    sim.step()
    with hub.db.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Reading)).scalar_one() > before
