"""Industry with 500 telemetry gateways posting at once (one plant, 500 gateways, 10 sensors), each batch of
AICITY_LOAD_BATCH (50) readings, beside GET /healthz at the same concurrency.
Bounded: AICITY_LOAD_GATEWAYS (500) x AICITY_LOAD_PER_CLIENT (2) batches."""

import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere
from tools.hardening import env_int, load_bench  # noqa: E402

GATEWAYS = env_int("AICITY_LOAD_GATEWAYS", 500)
PER_CLIENT = env_int("AICITY_LOAD_PER_CLIENT", 2)
BATCH = env_int("AICITY_LOAD_BATCH", 50)
SITE = "load-works"


def setup(http, identity, clients):
    admin = identity.headers("admin")
    for path, body in [
        ("/v1/sites", {"id": SITE, "name": "Load works", "kind": "steelworks", "company_id": "steelworks",
                       "lat": 36.0, "lon": 129.38}),
        ("/v1/lines", {"id": "load-iron", "site_id": SITE, "name": "Iron"}),
        ("/v1/work-units", {"id": "load-bf", "line_id": "load-iron", "name": "BF", "kind": "blast_furnace",
                            "working_volume_m3": 4000}),
    ]:
        http.post(path, json=body, headers=admin).raise_for_status()
    tags = [f"t{k}" for k in range(10)]
    for tag in tags:
        http.post("/v1/sensors", headers=admin, json={
            "work_unit_id": "load-bf", "tag": tag, "quantity": "temperature", "unit": "degC", "aggregation": "mean",
            "min_valid": 0, "max_valid": 1600}).raise_for_status()
    gateways = [identity.device_headers("gateway", SITE) for _ in range(clients)]
    t0 = datetime.now(UTC) - timedelta(days=1)

    def request(c, i):
        base = (c * PER_CLIENT + i) * BATCH  # every reading its own (sensor, instant)
        readings = [{"sensor": tags[k % len(tags)], "ts": (t0 + timedelta(milliseconds=base + k)).isoformat(),
                     "value": 1200 + k % 50} for k in range(BATCH)]
        return {"method": "POST", "url": "/v1/telemetry", "headers": gateways[c],
                "json": {"batch_id": str(uuid.uuid4()), "readings": readings}}

    return request


if __name__ == "__main__":
    sys.exit(load_bench("industry", title=f"POST /v1/telemetry ({BATCH} readings)", clients=GATEWAYS,
                        per_client=PER_CLIENT, setup=setup))
