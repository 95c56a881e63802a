"""Telemetry readings per second through POST /v1/telemetry (batches of 5,000, the whole app in-process:
auth, JSON, per-item checks, idempotency row, ON CONFLICT insert, latest values, rollup marks, alarm rules)
beside the baseline of one ORM insert and commit per reading (no HTTP at all, which favours the baseline),
on SQLite and PostgreSQL in the same run.

    uv run python benchmarks/bench_industry_ingest.py
    BENCH_INDUSTRY_READINGS=1000000 ...   (default 200,000)   BENCH_POSTGRES_URL=postgresql://... (default local)
"""

import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import Session  # noqa: E402

from services.common import migrate  # noqa: E402
from services.common.db import make_engine  # noqa: E402
from services.identity.devices.service import create_device  # noqa: E402
from services.industry.assets.models import Line, Sensor, Site, WorkUnit  # noqa: E402
from services.industry.main import create_app  # noqa: E402
from services.industry.settings import IndustrySettings  # noqa: E402
from services.industry.telemetry.models import Reading  # noqa: E402

N = int(os.environ.get("BENCH_INDUSTRY_READINGS", "200000"))
BASELINE_N = int(os.environ.get("BENCH_INDUSTRY_BASELINE", "3000"))
BATCH = 5000
SENSORS = 200
PG = os.environ.get("BENCH_POSTGRES_URL", os.environ.get("AICITY_TEST_POSTGRES_URL",
                                                         "postgresql://postgres@127.0.0.1:5432/postgres"))


def pg_database() -> tuple[str, callable] | None:
    admin = make_url(PG).set(drivername="postgresql+psycopg")
    name = f"aicity_bench_ingest_{uuid.uuid4().hex[:8]}"
    try:
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server: SQLite only
        print(f"PostgreSQL not reachable ({type(exc).__name__}); SQLite only")
        return None

    def drop():
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()

    return admin.set(database=name).render_as_string(hide_password=False), drop


def setup(url: str, identity_url: str) -> tuple[TestClient, str, dict[str, int]]:
    migrate.upgrade("industry", url)
    engine = make_engine(url)
    with Session(engine) as s:
        s.add(Site(id="bench", name="bench", kind="steelworks", lat=36, lon=129.4))
        s.flush()
        s.add(Line(id="bench-l", site_id="bench", name="l"))
        s.flush()
        s.add(WorkUnit(id="bench-u", line_id="bench-l", site_id="bench", name="u", kind="hot_strip_mill"))
        s.flush()
        for i in range(SENSORS):
            s.add(Sensor(site_id="bench", work_unit_id="bench-u", tag=f"s{i:03d}", quantity="temperature",
                         unit="degC", min_valid=-50, max_valid=2000))
        s.commit()
        ids = {tag: id_ for tag, id_ in s.exec(text("SELECT tag, id FROM sensor")).all()}
    engine.dispose()
    identity = make_engine(identity_url)
    with Session(identity) as s:
        _, key = create_device(s, name=f"gw-{uuid.uuid4().hex[:6]}", kind="gateway", place="bench")
        s.commit()
    identity.dispose()
    app = create_app(IndustrySettings(database_url=url, identity_database_url=identity_url, log_level="WARNING"))
    client = TestClient(app)
    client.__enter__()
    return client, key, ids


def run(label: str, url: str, identity_url: str) -> tuple[float, float]:
    client, key, ids = setup(url, identity_url)
    headers = {"Authorization": f"Bearer {key}"}
    t0 = datetime.now(UTC) - timedelta(days=2)
    batches = []
    for b in range(N // BATCH):
        readings = []
        for j in range(BATCH):
            k = b * BATCH + j
            readings.append({"sensor": f"s{k % SENSORS:03d}",
                             "ts": (t0 + timedelta(seconds=k // SENSORS)).isoformat(), "value": 20.0 + (k % 97)})
        batches.append({"batch_id": str(uuid.uuid4()), "readings": readings})
    started = time.perf_counter()
    for body in batches:
        r = client.post("/v1/telemetry", json=body, headers=headers)
        assert r.status_code == 200 and r.json()["accepted"] == BATCH, r.text[:300]
    ours = len(batches) * BATCH / (time.perf_counter() - started)
    client.__exit__(None, None, None)
    engine = make_engine(url)
    base_t0 = t0 + timedelta(days=1)
    sensor_ids = list(ids.values())
    started = time.perf_counter()
    for k in range(BASELINE_N):
        with Session(engine) as s:  # what a one-row-per-request handler does
            s.add(Reading(sensor_id=sensor_ids[k % SENSORS], ts=base_t0 + timedelta(seconds=k // SENSORS),
                          value=20.0 + k % 97))
            s.commit()
    baseline = BASELINE_N / (time.perf_counter() - started)
    engine.dispose()
    print(f"{label:<10} batch endpoint {ours:>10,.0f} readings/s   one-row ORM baseline {baseline:>8,.0f} rows/s"
          f"   ratio {ours / baseline:>6.1f}x   ({len(batches) * BATCH:,} vs {BASELINE_N:,} readings)")
    return ours, baseline


def main() -> None:
    print(f"{N:,} readings from {SENSORS} sensors in batches of {BATCH:,}")
    with tempfile.TemporaryDirectory() as tmp:
        identity_url = f"sqlite:///{tmp}/identity.db"
        migrate.upgrade("identity", identity_url)
        run("SQLite", f"sqlite:///{tmp}/industry.db", identity_url)
        pg = pg_database()
        if pg:
            url, drop = pg
            try:
                run("PostgreSQL", url, identity_url)
            finally:
                drop()


if __name__ == "__main__":
    main()
