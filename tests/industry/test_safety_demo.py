"""The demo shift: after the seed, the steelworks has a confined-space permit with people inside, a CO excursion
that opened an alarm and cleared, a detector gone quiet, furnace-side heat, and indicators for every company."""

import random
from datetime import UTC, datetime, timedelta

from services.industry.safety import demo
from services.industry.simulator import Simulator
from tests.industry.factories import seed_demo


def test_demo_shift(client_for, auth):
    client = client_for("industry")
    credentials, summary = seed_demo(client, auth)
    assert summary["safety"]["faults"] == {"opened": 1, "cleared": 0}
    official = auth.headers("official")

    alarms = client.get("/v1/safety/alarms", headers=official, params={"site_id": demo.STEELWORKS}).json()
    co = [a for a in alarms if a["cause"] == "gas:co:high"]
    assert len(co) == 1 and co[0]["state"] == "cleared" and 38 < co[0]["peak_value"] < 45
    stale = [a for a in alarms if a["state"] != "cleared"]
    assert [(a["detector_id"], a["cause"]) for a in stale] == [(demo.QUIET, "stale")]
    assert alarms[0]["cause"] == "stale"  # open alarms come first

    permits = client.get("/v1/safety/permits", headers=official, params={"status": "open"}).json()
    assert len(permits) == 1
    p = permits[0]
    assert (p["entries"], p["exits"], p["people_inside"], sorted(p["inside"])) == (3, 1, 2, ["박정비", "이정비"])
    assert {g["gas"]: g["status"] for g in p["gas"]} == {g: "ok" for g in ("co", "co2", "h2s", "lel", "o2")}
    r = client.post(f"/v1/safety/permits/{p['id']}/close", headers=official)
    assert r.status_code == 409 and r.json()["error"] == "people_inside"

    heat = client.get("/v1/safety/heat", headers=official, params={"site_id": demo.STEELWORKS}).json()
    assert heat["stage"] in ("caution", "warning") and heat["rest_min_per_hour"] in (10, 15)

    year = datetime.now(UTC).year - 1
    ind = {c["company_id"]: c for c in client.get("/v1/safety/indicators", headers=official,
                                                  params={"year": year}).json()["companies"]}
    assert set(ind) == set(demo.WORKFORCE)
    assert ind["steelworks"]["suppressed"] is False and ind["steelworks"]["injury_rate"] is not None
    before_after = client.get("/v1/safety/sme-before-after", headers=official).json()
    assert len(before_after) == 4 and all(x["before"]["measured"] for x in before_after)

    sim = Simulator(base_url="http://testserver", credentials=credentials, rng=random.Random(1), rate=1.0)
    sim.client = client
    sim.started -= 1300  # inside the CO excursion, and after the quiet detector stopped
    assert sim.step()["safety_readings"] == 6 + 2  # the confined-space detector and the weather; the quiet one is silent
    active = client.get("/v1/safety/alarms", headers=official, params={"active": True}).json()
    assert {a["cause"] for a in active} == {"gas:co:high", "stale"}
    assert datetime.fromisoformat(active[0]["opened_at"]) > datetime.now(UTC) - timedelta(minutes=1)
