"""Health hubs when every centre's kiosk syncs at once (641 kiosks, e.g. after a network outage), each posting
a batch of readings for a resident of its own centre, beside GET /healthz at the same concurrency.
Bounded: AICITY_LOAD_KIOSKS (641) x AICITY_LOAD_PER_CLIENT (1) batches of AICITY_LOAD_BATCH (5) readings."""

import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere
from tools.hardening import env_int, load_bench  # noqa: E402

KIOSKS = env_int("AICITY_LOAD_KIOSKS", 641)
PER_CLIENT = env_int("AICITY_LOAD_PER_CLIENT", 1)
BATCH = env_int("AICITY_LOAD_BATCH", 5)


def setup(http, identity, clients):
    admin = identity.headers("admin")
    kiosks = []
    for c in range(clients):
        centre = f"C{c % 641 + 1:03d}"
        r = http.post("/v1/residents", headers=admin, json={
            "family_name": "박", "given_name": f"민수{c}", "birth_date": f"19{40 + c % 30}-0{1 + c % 9}-1{c % 9}",
            "sex": "male", "phone": f"010-{1000 + c:04d}-{2000 + c:04d}", "centre_id": centre,
            "consents": {"health_data": True, "share_public_health": True, "reminders": False}, "confirm_new": True})
        r.raise_for_status()
        kiosks.append((r.json()["resident"]["id"], identity.device_headers("health_kiosk", centre)))
    start = datetime.now(UTC) - timedelta(hours=6)

    def request(c, i):
        resident, headers = kiosks[c]
        items = [{"client_id": str(uuid.uuid4()), "resident_id": resident, "kind": "bp",
                  "measured_at": (start + timedelta(minutes=i * BATCH + k)).isoformat(),
                  "bp": [{"systolic": 124 + k, "diastolic": 80, "pulse_bpm": 70},
                         {"systolic": 122 + k, "diastolic": 79, "pulse_bpm": 70}]} for k in range(BATCH)]
        return {"method": "POST", "url": "/v1/readings/batch", "headers": headers, "json": {"items": items}}

    return request


if __name__ == "__main__":
    sys.exit(load_bench("health_hubs", title=f"POST /v1/readings/batch ({BATCH} each)", clients=KIOSKS,
                        per_client=PER_CLIENT, setup=setup))
