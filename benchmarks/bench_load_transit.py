"""Transit at the morning peak: 200 buses sending card boardings at once (each bus its own device key), beside
GET /healthz at the same concurrency. Bounded: AICITY_LOAD_BUSES (200) x AICITY_LOAD_PER_CLIENT (3) requests."""

import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere
from services.transit.boarding.routes import ROUTES  # noqa: E402
from tools.hardening import env_int, load_bench  # noqa: E402

BUSES = env_int("AICITY_LOAD_BUSES", 200)
PER_CLIENT = env_int("AICITY_LOAD_PER_CLIENT", 3)


def setup(http, identity, clients):
    official = identity.device_headers("enrolment_kiosk", "C001")  # riders and cards are made at the kiosk
    cards = []
    for i in range(20):
        rider = http.post("/v1/riders", json={}, headers=official).json()["id"]
        card = f"LOADCARD{i:04d}"
        r = http.post("/v1/cards", json={"card_id": card, "rider_id": rider, "concession": "senior"}, headers=official)
        r.raise_for_status()
        cards.append(card)
    buses = [(f"bus-{c:03d}", identity.device_headers("bus", f"bus-{c:03d}")) for c in range(clients)]

    def request(c, i):
        bus_id, headers = buses[c]
        return {"method": "POST", "url": "/v1/boardings", "headers": headers, "data": {
            "event_id": str(uuid.uuid4()), "bus_id": bus_id, "route_id": "200", "stop_id": ROUTES["200"][i % len(ROUTES["200"])],
            "occurred_at": datetime.now(UTC).isoformat(), "card_id": cards[(c + i) % len(cards)]}}

    return request


if __name__ == "__main__":
    sys.exit(load_bench("transit", title="POST /v1/boardings (card, per bus)", clients=BUSES, per_client=PER_CLIENT,
                        setup=setup))
