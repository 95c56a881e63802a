"""Crash and load runs against real uvicorn processes on loopback: `aicity crash` (SIGKILL mid-stream, restart,
retry, count), and `aicity load`, which runs benchmarks/bench_capacity.py (wrk)."""

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from services.common import migrate
from services.common.auth import issue_token
from services.common.db import make_engine
from services.common.settings import DEV_AUTH_SECRET, REPO_ROOT
from services.suite import SERVICES

ENV_PREFIX = {"transit": "TRANSIT_", "health_hubs": "HEALTH_HUBS_", "talent_academy": "TALENT_ACADEMY_",
              "industry": "INDUSTRY_"}


# ---- databases and processes ---------------------------------------------------------------------------------


def new_database_url(label: str, *, work_dir: Path, postgres_url: str | None = None,
                     prefix: str = "aicity_hardening") -> str:
    """An empty database: a SQLite file in work_dir, or a fresh database `<prefix>_<label>_<random>` on the
    PostgreSQL server given (the test harness makes its own with prefix aicity_test)."""
    if not postgres_url:
        return f"sqlite:///{work_dir / f'{label}-{uuid.uuid4().hex[:8]}.db'}"
    admin = make_url(postgres_url).set(drivername="postgresql+psycopg")
    name = f"{prefix}_{label}_{uuid.uuid4().hex[:8]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str, postgres_url: str | None) -> None:
    if not postgres_url or url.startswith("sqlite"):
        return
    admin = make_url(postgres_url).set(drivername="postgresql+psycopg")
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Identity:
    """Accounts' tokens and devices' keys written straight into an identity database (dev secret)."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)

    def headers(self, role: str, **place) -> dict:
        from services.identity.accounts.service import create_account

        with Session(self.engine, expire_on_commit=False) as session:
            account = create_account(session, username=f"{role}-{uuid.uuid4().hex[:8]}", password="hardening-pass",
                                     role=role, **place)
            session.commit()
        token, _ = issue_token(DEV_AUTH_SECRET, account=account, ttl_s=3600)
        return {"Authorization": f"Bearer {token}"}

    def device_headers(self, kind: str, place: str | None) -> dict:
        from services.identity.devices.service import create_device

        with Session(self.engine) as session:
            _, key = create_device(session, name=f"{kind}-{uuid.uuid4().hex[:6]}", kind=kind, place=place)
            session.commit()
        return {"Authorization": f"Bearer {key}"}


@dataclass
class ServiceProcess:
    """One service under uvicorn on loopback, in its own process group so SIGKILL takes every worker."""

    service: str
    database_url: str
    identity_url: str
    port: int = field(default_factory=free_port)
    workers: int = 1
    log_path: Path | None = None  # the service's stderr (JSON logs with the traces of any 500)
    cpus: str | None = None  # a taskset core list the server is pinned to (benchmarks: wrk gets the other core)
    proc: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 60) -> "ServiceProcess":
        env = {**os.environ, f"{ENV_PREFIX[self.service]}DATABASE_URL": self.database_url,
               "AICITY_IDENTITY_DATABASE_URL": self.identity_url, "AICITY_ENV": "dev", "AICITY_LOG_LEVEL": "WARNING"}
        command = [sys.executable, "-m", "uvicorn", "--factory", f"services.{self.service}.main:create_app",
                   "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers),
                   "--log-level", "warning", "--no-access-log", "--backlog", "4096"]
        self.proc = subprocess.Popen(
            ["taskset", "-c", self.cpus, *command] if self.cpus else command,
            cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, start_new_session=True,
            stderr=open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL)  # noqa: SIM115
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.service} exited with {self.proc.returncode} at start")
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"{self.service} did not become ready in {timeout_s} s")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no flush, as a power cut of the process."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def prepare(service: str, *, work_dir: Path, postgres_url: str | None = None) -> tuple[str, str]:
    """Migrated (service, identity) databases; returns their URLs."""
    identity_url = new_database_url("identity", work_dir=work_dir, postgres_url=postgres_url)
    service_url = new_database_url(service, work_dir=work_dir, postgres_url=postgres_url)
    migrate.upgrade("identity", identity_url)
    migrate.upgrade(service, service_url)
    return service_url, identity_url


# ---- idempotent write streams --------------------------------------------------------------------------------


class WriteStream:
    """How to make one idempotent write of a service and how to count it in the database afterwards."""

    service: str
    label: str

    def setup(self, http: httpx.Client, identity: Identity) -> None: ...

    def request(self, key: uuid.UUID, n: int) -> dict: ...

    def counts(self, engine, keys: list[uuid.UUID]) -> dict[uuid.UUID, int]: ...


class IndustryTelemetry(WriteStream):
    """A gateway's batch (batch_id = the key) of one reading; the batch and its reading must each be stored once."""

    service, label = "industry", "telemetry batches (gateway)"
    SITE = "crash-works"
    T0 = datetime(2026, 1, 1, tzinfo=UTC)

    def setup(self, http, identity):
        admin = identity.headers("admin")
        for path, body in [
            ("/v1/sites", {"id": self.SITE, "name": "Crash works", "kind": "steelworks", "company_id": "steelworks",
                           "lat": 36.0, "lon": 129.38}),
            ("/v1/lines", {"id": "crash-iron", "site_id": self.SITE, "name": "Iron"}),
            ("/v1/work-units", {"id": "crash-bf", "line_id": "crash-iron", "name": "BF", "kind": "blast_furnace",
                                "working_volume_m3": 4000}),
            ("/v1/sensors", {"work_unit_id": "crash-bf", "tag": "temp", "quantity": "temperature", "unit": "degC",
                             "aggregation": "mean", "min_valid": 0, "max_valid": 1600}),
        ]:
            r = http.post(path, json=body, headers=admin)
            if r.status_code != 201:
                raise RuntimeError(f"set-up {path}: {r.status_code} {r.text[:200]}")
        self.sensor_id = r.json()["id"]
        self.headers = identity.device_headers("gateway", self.SITE)

    def request(self, key, n):
        ts = (self.T0 + timedelta(seconds=n)).isoformat()
        return {"method": "POST", "url": "/v1/telemetry", "headers": self.headers,
                "json": {"batch_id": str(key), "readings": [{"sensor": "temp", "ts": ts, "value": 1000 + n % 100}]}}

    def counts(self, engine, keys):
        metadata = SERVICES["industry"].metadata()
        batch = metadata.tables["telemetry_batch"]
        with engine.connect() as conn:
            rows = dict(conn.execute(select(batch.c.id, func.count()).where(batch.c.id.in_(keys))
                                     .group_by(batch.c.id)).all())
            readings = conn.execute(select(func.count()).select_from(metadata.tables["reading"])).scalar_one()
        self.readings_stored = readings
        return {k: rows.get(k, 0) for k in keys}


class HealthReadings(WriteStream):
    """A kiosk's blood-pressure reading (client_id = the key) for a consenting resident of its centre."""

    service, label = "health_hubs", "kiosk readings (health kiosk)"

    def setup(self, http, identity):
        staff = identity.headers("centre_staff", centre_id="C001")
        r = http.post("/v1/residents", headers=staff, json={
            "family_name": "김", "given_name": "철수", "birth_date": "1950-05-05", "sex": "male",
            "phone": "010-5555-0101", "centre_id": "C001",
            "consents": {"health_data": True, "share_public_health": True, "reminders": False}})
        if r.status_code != 201:
            raise RuntimeError(f"set-up resident: {r.status_code} {r.text[:200]}")
        self.resident_id = r.json()["resident"]["id"]
        self.headers = identity.device_headers("health_kiosk", "C001")
        self.started = datetime.now(UTC)

    def request(self, key, n):
        at = (self.started - timedelta(hours=1) + timedelta(seconds=n)).isoformat()
        return {"method": "POST", "url": "/v1/readings", "headers": self.headers, "json": {
            "client_id": str(key), "resident_id": self.resident_id, "kind": "bp", "measured_at": at,
            "bp": [{"systolic": 120 + n % 10, "diastolic": 80, "pulse_bpm": 70},
                   {"systolic": 118 + n % 10, "diastolic": 78, "pulse_bpm": 70}]}}

    def counts(self, engine, keys):
        reading = SERVICES["health_hubs"].metadata().tables["reading"]
        with engine.connect() as conn:
            rows = dict(conn.execute(select(reading.c.id, func.count()).where(reading.c.id.in_(keys))
                                     .group_by(reading.c.id)).all())
        return {k: rows.get(k, 0) for k in keys}


STREAMS: dict[str, Callable[[], WriteStream]] = {"industry": IndustryTelemetry, "health_hubs": HealthReadings}


# ---- crash run -----------------------------------------------------------------------------------------------


@dataclass
class CrashResult:
    service: str
    backend: str
    stream: str
    attempted: int
    acknowledged: int
    retried_after_kill: int
    missing: int
    duplicated: int
    downtime_s: float

    @property
    def ok(self) -> bool:
        return self.missing == 0 and self.duplicated == 0 and self.acknowledged > 0 and self.retried_after_kill >= 0

    def line(self) -> str:
        return (f"{self.service:<12} {self.backend:<10} {self.stream:<32} attempted {self.attempted:>5}  "
                f"acknowledged {self.acknowledged:>5}  retried {self.retried_after_kill:>4}  missing {self.missing}  "
                f"duplicated {self.duplicated}  down {self.downtime_s:.1f} s  {'OK' if self.ok else 'FAILED'}")


def run_crash(service: str, *, work_dir: Path, postgres_url: str | None = None, writers: int = 4,
              before_kill_s: float = 2.0, after_restart_s: float = 2.0) -> CrashResult:
    """Writers send idempotent writes; the service is SIGKILLed mid-stream and restarted; every writer retries
    its unacknowledged write with the same key until answered. Then every key is counted in the database."""
    stream = STREAMS[service]()
    service_url, identity_url = prepare(service, work_dir=work_dir, postgres_url=postgres_url)
    proc = ServiceProcess(service, service_url, identity_url).start()
    identity = Identity(identity_url)
    engine = None
    try:
        with httpx.Client(base_url=proc.base_url, timeout=10) as http:
            stream.setup(http, identity)
        acked: list[uuid.UUID] = []
        attempted: list[uuid.UUID] = []
        retried: set[uuid.UUID] = set()
        lock = threading.Lock()
        stop = threading.Event()
        killed = threading.Event()
        counter = iter(range(10**9))

        def writer() -> None:
            with httpx.Client(base_url=proc.base_url, timeout=5) as http:
                while not stop.is_set():
                    with lock:
                        n = next(counter)
                    key = uuid.uuid4()
                    request = stream.request(key, n)  # the same body on every retry
                    with lock:
                        attempted.append(key)
                    tries = 0
                    while True:
                        tries += 1
                        try:
                            r = http.request(**request)
                            if r.status_code < 300:
                                with lock:
                                    acked.append(key)
                                    if tries > 1 and killed.is_set():
                                        retried.add(key)
                                break
                            if r.status_code == 429:  # a polite client waits as told, then retries the same key
                                time.sleep(min(1.0, float(r.json()["detail"].get("retry_after_s", 0.1))))
                                continue
                            if r.status_code < 500:
                                raise RuntimeError(f"write refused: {r.status_code} {r.text[:200]}")
                        except httpx.HTTPError:
                            pass
                        if stop.is_set() and tries > 200:
                            return
                        time.sleep(0.05)

        threads = [threading.Thread(target=writer, daemon=True) for _ in range(writers)]
        for t in threads:
            t.start()
        time.sleep(before_kill_s)
        proc.kill()
        killed.set()
        down_at = time.monotonic()
        proc.start()
        downtime = time.monotonic() - down_at
        time.sleep(after_restart_s)
        stop.set()
        for t in threads:
            t.join(timeout=30)
        proc.stop()
        engine = make_engine(service_url)
        counts = stream.counts(engine, attempted)
        acked_set = set(acked)
        missing = sum(1 for k in acked_set if counts.get(k, 0) == 0)
        duplicated = sum(1 for k in attempted if counts.get(k, 0) > 1)
        return CrashResult(service, "postgresql" if postgres_url else "sqlite", stream.label, len(attempted),
                           len(acked_set), len(retried), missing, duplicated, downtime)
    finally:
        proc.kill()
        identity.engine.dispose()
        if engine is not None:
            engine.dispose()
        drop_database(service_url, postgres_url)
        drop_database(identity_url, postgres_url)


def crash_all(*, postgres_url: str | None = None, services: list[str] | None = None) -> list[CrashResult]:
    results = []
    backends = [None] + ([postgres_url] if postgres_url else [])
    with tempfile.TemporaryDirectory(prefix="aicity-crash-") as tmp:
        for name in services or list(STREAMS):
            for backend in backends:
                results.append(run_crash(name, work_dir=Path(tmp), postgres_url=backend))
    return results


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


# ---- the last results, kept in docs/SECURITY.md ------------------------------------------------------------------


def record_section(name: str, lines: list[str], *, doc: Path = REPO_ROOT / "docs" / "SECURITY.md") -> None:
    """Replaces the text between <!-- name:begin --> and <!-- name:end --> in the document."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    stamp = f"Last run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores:"
    body = "\n".join([begin, stamp, "", "```", *lines, "```", end])
    text_ = doc.read_text() if doc.exists() else ""
    if begin in text_ and end in text_:
        head, rest = text_.split(begin, 1)
        _, tail = rest.split(end, 1)
        text_ = head + body + tail
    else:
        text_ = text_.rstrip() + "\n\n" + body + "\n"
    doc.write_text(text_)


def crash_command(postgres_url: str | None = None) -> bool:
    results = crash_all(postgres_url=postgres_url)
    lines = [r.line() for r in results]
    for line in lines:
        print(line)
    record_section("crash", lines)
    return all(r.ok for r in results)


def load_command(only: str | None = None) -> bool:
    """benchmarks/bench_capacity.py (wrk against each service's hot route); prints and records its output."""
    env = {**os.environ, **({"AICITY_CAPACITY_ONLY": only} if only else {})}
    proc = subprocess.run([sys.executable, str(REPO_ROOT / "benchmarks" / "bench_capacity.py")], cwd=REPO_ROOT,
                          capture_output=True, text=True, env=env)
    print(proc.stdout, end="")
    lines = [f"== bench_capacity.py (exit {proc.returncode})", *proc.stdout.strip().splitlines()]
    if proc.returncode:
        lines.append(proc.stderr.strip()[-1500:])
    record_section("load", lines)
    return proc.returncode == 0
