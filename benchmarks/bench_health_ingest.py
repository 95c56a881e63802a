"""Kiosk backlog ingest through the real HTTP app (TestClient, in-process): readings per second sent as batches
of POST /v1/readings/batch beside one POST /v1/readings per reading, on SQLite and on PostgreSQL.

Default: 5,000 readings in batches of 500, 500 single requests. More: HEALTH_BENCH_INGEST=20000.
PostgreSQL from AICITY_BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres); skipped if
it cannot be reached.
"""

import logging
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# The baseline sends one request per reading from one kiosk: measure the server, not the per-device rate limit.
os.environ.setdefault("AICITY_DEVICE_RATE_PER_S", "1000000")
os.environ.setdefault("AICITY_DEVICE_BURST", "1000000")
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import Session  # noqa: E402

from services.common import migrate  # noqa: E402
from services.common.auth import issue_token  # noqa: E402
from services.common.db import make_engine  # noqa: E402
from services.common.settings import DEV_AUTH_SECRET  # noqa: E402
from services.health_hubs.main import create_app  # noqa: E402
from services.health_hubs.settings import HealthHubsSettings  # noqa: E402
from services.identity.accounts.service import create_account  # noqa: E402
from services.identity.devices.service import create_device  # noqa: E402

TOTAL = int(os.environ.get("HEALTH_BENCH_INGEST", "5000"))
SINGLES = int(os.environ.get("HEALTH_BENCH_SINGLES", "500"))
BATCH = 500
ADMIN_URL = os.environ.get("AICITY_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def pg_urls() -> list[str] | None:
    admin = make_url(ADMIN_URL).set(drivername="postgresql+psycopg")
    try:
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        urls = []
        with engine.connect() as conn:
            for name in ("aicity_bench_hh_ingest", "aicity_bench_hh_identity"):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
                urls.append(admin.set(database=name).render_as_string(hide_password=False))
        engine.dispose()
        return urls
    except Exception as exc:  # no server: report and carry on with SQLite
        print(f"PostgreSQL not reachable ({type(exc).__name__}); skipped")
        return None


def reading(rng, resident_id, at) -> dict:
    s = int(rng.gauss(135, 15))
    d = min(s - 20, int(rng.gauss(80, 9)))
    return {"client_id": str(uuid.uuid4()), "resident_id": resident_id, "kind": "bp", "measured_at": at.isoformat(),
            "bp": [{"systolic": s, "diastolic": d, "pulse_bpm": 72}, {"systolic": s - 2, "diastolic": d, "pulse_bpm": 70}]}


def run(label: str, url: str, identity_url: str) -> None:
    migrate.upgrade("identity", identity_url)
    migrate.upgrade("health_hubs", url)
    identity = make_engine(identity_url)
    with Session(identity) as session:
        _, key = create_device(session, name="bench-kiosk", kind="health_kiosk", place="C001")
        account = create_account(session, username="bench-staff", password="password-123", role="centre_staff",
                                 centre_id="C001")
        token, _ = issue_token(DEV_AUTH_SECRET, account=account, ttl_s=3600)
        session.commit()
    settings = HealthHubsSettings(database_url=url, identity_database_url=identity_url, batch_max_items=BATCH)
    rng = random.Random(3)
    with TestClient(create_app(settings)) as client:
        staff = {"Authorization": f"Bearer {token}"}
        residents = []
        for n in range(50):
            r = client.post("/v1/residents", headers=staff, json={
                "family_name": "벤", "given_name": f"치{n}", "birth_date": f"19{40 + n % 20}-0{1 + n % 9}-1{n % 9}",
                "sex": "female", "centre_id": "C001", "confirm_new": True, "consents": {"health_data": True}})
            residents.append(r.json()["resident"]["id"])
        kiosk = {"Authorization": f"Bearer {key}"}
        start = datetime.now(UTC) - timedelta(days=26)  # inside the kiosks' 30-day window (older is quarantined)
        items = [reading(rng, rng.choice(residents), start + timedelta(minutes=7 * k)) for k in range(TOTAL)]
        t = time.perf_counter()
        for i in range(0, TOTAL, BATCH):
            r = client.post("/v1/readings/batch", headers=kiosk, json={"items": items[i:i + BATCH]})
            assert r.status_code == 200 and r.json()["counts"].get("created") == len(items[i:i + BATCH]), r.text[:300]
        batch_s = time.perf_counter() - t
        singles = [reading(rng, rng.choice(residents), start + timedelta(minutes=3 * k + 1)) for k in range(SINGLES)]
        t = time.perf_counter()
        for body in singles:
            assert client.post("/v1/readings", headers=kiosk, json=body).status_code == 201
        single_s = time.perf_counter() - t
    batch_rate, single_rate = TOTAL / batch_s, SINGLES / single_s
    print(f"{label}: batch of {BATCH}: {batch_rate:,.0f} readings/s ({TOTAL:,} in {batch_s:.1f} s); "
          f"one request per reading: {single_rate:,.0f} readings/s ({SINGLES} in {single_s:.1f} s); "
          f"ratio {batch_rate / single_rate:.1f}x")
    identity.dispose()


def main() -> None:
    logging.disable(logging.INFO)  # the access log would dominate the single-request baseline
    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite", f"sqlite:///{tmp}/hh.db", f"sqlite:///{tmp}/identity.db")
    urls = pg_urls()
    if urls:
        run("PostgreSQL", urls[0], urls[1])
        admin = create_engine(make_url(ADMIN_URL).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in ("aicity_bench_hh_ingest", "aicity_bench_hh_identity"):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
