"""Crash and load runs against real uvicorn processes on loopback: `aicity crash` (SIGKILL mid-stream, restart,
retry, count) and the bounded load generator the benchmarks/bench_load_*.py scripts share."""

import asyncio
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
        from services.common.identity.service import create_account

        with Session(self.engine, expire_on_commit=False) as session:
            account = create_account(session, username=f"{role}-{uuid.uuid4().hex[:8]}", password="hardening-pass",
                                     role=role, **place)
            session.commit()
        token, _ = issue_token(DEV_AUTH_SECRET, account=account, ttl_s=3600)
        return {"Authorization": f"Bearer {token}"}

    def device_headers(self, kind: str, place: str | None) -> dict:
        from services.common.identity.service import create_device

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
    proc: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 60) -> "ServiceProcess":
        env = {**os.environ, f"{ENV_PREFIX[self.service]}DATABASE_URL": self.database_url,
               "AICITY_IDENTITY_DATABASE_URL": self.identity_url, "AICITY_ENV": "dev", "AICITY_LOG_LEVEL": "WARNING"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", f"services.{self.service}.main:create_app",
             "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers),
             "--log-level", "warning", "--no-access-log"],
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


# ---- load ------------------------------------------------------------------------------------------------------


@dataclass
class LoadResult:
    label: str
    clients: int
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]
    statuses: dict = field(default_factory=dict)

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    def line(self) -> str:
        return (f"{self.label:<38} {self.clients:>4} clients  {self.requests:>6} req  {self.throughput:8.1f} req/s  "
                f"p50 {self.pct(50):7.1f} ms  p99 {self.pct(99):7.1f} ms  errors {self.errors / max(1, self.requests):.2%}"
                + (f"  ({', '.join(f'{k}: {v}' for k, v in sorted(self.statuses.items()) if k != 'ok')})"
                   if len(self.statuses) > 1 else ""))


async def _load(base_url: str, make_request: Callable[[int, int], dict], *, clients: int, per_client: int,
                timeout_s: float) -> tuple[list[float], int, float, dict]:
    latencies: list[float] = []
    errors = 0
    statuses: dict = {}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base_url, timeout=timeout_s, limits=limits) as http:
        start_gate = asyncio.Event()

        async def client(c: int) -> None:
            nonlocal errors
            await start_gate.wait()
            for i in range(per_client):
                request = make_request(c, i)
                t0 = time.perf_counter()
                try:
                    r = await http.request(**request)
                    failed = r.status_code >= 500  # a 4xx is the service's answer (a full waitlist), not a failure
                    outcome = "ok" if r.status_code < 400 else f"{r.status_code} {_error_code(r)}"
                except httpx.HTTPError as exc:
                    failed, outcome = True, type(exc).__name__
                statuses[outcome] = statuses.get(outcome, 0) + 1
                latencies.append((time.perf_counter() - t0) * 1000)
                errors += failed

        tasks = [asyncio.create_task(client(c)) for c in range(clients)]
        started = time.perf_counter()
        start_gate.set()
        await asyncio.gather(*tasks)
        return latencies, errors, time.perf_counter() - started, statuses


def _error_code(r: httpx.Response) -> str:
    try:
        return str(r.json().get("error", ""))
    except ValueError:
        return ""


def run_load(label: str, base_url: str, make_request: Callable[[int, int], dict], *, clients: int, per_client: int,
             timeout_s: float = 120) -> LoadResult:
    """`clients` concurrent clients each send `per_client` requests back to back (all start together)."""
    latencies, errors, seconds, statuses = asyncio.run(_load(base_url, make_request, clients=clients,
                                                             per_client=per_client, timeout_s=timeout_s))
    return LoadResult(label, clients, clients * per_client, errors, seconds, latencies, statuses)


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
    scripts = sorted((REPO_ROOT / "benchmarks").glob("bench_load_*.py"))
    lines, ok = [], True
    for script in scripts:
        if only and only not in script.name:
            continue
        proc = subprocess.run([sys.executable, str(script)], cwd=REPO_ROOT, capture_output=True, text=True)
        print(proc.stdout, end="")
        ok &= proc.returncode == 0
        lines += [f"== {script.name} (exit {proc.returncode})", *proc.stdout.strip().splitlines()]
        if proc.returncode:
            lines.append(proc.stderr.strip()[-1500:])
    record_section("load", lines)
    return ok


# ---- the load benchmarks' frame ----------------------------------------------------------------------------------


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def load_bench(service: str, *, title: str, clients: int, per_client: int,
               setup: Callable[[httpx.Client, Identity, int], Callable[[int, int], dict]], workers: int = 1) -> int:
    """Starts `service` under uvicorn on fresh SQLite databases (AICITY_BENCH_POSTGRES_URL for PostgreSQL), runs
    the baseline (GET /healthz: the framework, auth-free, no database) and then the workload at the same
    concurrency, and prints both with the ratio. Errors are 5xx and transport failures (timeouts, resets); a 4xx is
    the service's own answer and is listed beside. Returns the exit code (1 if the error rate passes 1%)."""
    postgres_url = os.environ.get("AICITY_BENCH_POSTGRES_URL")
    with tempfile.TemporaryDirectory(prefix=f"aicity-load-{service}-") as tmp:
        service_url, identity_url = prepare(service, work_dir=Path(tmp), postgres_url=postgres_url)
        log_path = Path(tmp) / "service.log"
        proc = ServiceProcess(service, service_url, identity_url, workers=workers, log_path=log_path).start()
        identity = Identity(identity_url)
        try:
            with httpx.Client(base_url=proc.base_url, timeout=30) as http:
                make_request = setup(http, identity, clients)
            baseline = run_load("baseline: GET /healthz", proc.base_url,
                                lambda c, i: {"method": "GET", "url": "/healthz"}, clients=clients,
                                per_client=per_client)
            result = run_load(title, proc.base_url, make_request, clients=clients, per_client=per_client)
        finally:
            proc.stop()
            identity.engine.dispose()
            drop_database(service_url, postgres_url)
            drop_database(identity_url, postgres_url)
        causes = _error_causes(log_path)
    backend = "postgresql" if postgres_url else "sqlite"
    print(f"{service} under load on loopback ({backend}, {workers} uvicorn worker(s), {os.cpu_count()} cores)")
    print(result.line())
    print(baseline.line())
    ratio = result.throughput / baseline.throughput if baseline.throughput else 0
    print(f"ratio: {ratio:.2f} of the baseline's throughput; p99 {result.pct(99):.0f} ms vs {baseline.pct(99):.0f} ms")
    for cause, n in causes.items():
        print(f"server error x{n}: {cause}")
    return 0 if result.errors <= 0.01 * result.requests else 1


def _error_causes(log_path: Path) -> dict[str, int]:
    """The last line of each logged trace (the exception), counted: why the 500s happened."""
    import json

    causes: dict[str, int] = {}
    if not log_path.exists():
        return causes
    for line in log_path.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("exc"):
            last = entry["exc"].strip().splitlines()[-1][:200]
            causes[last] = causes.get(last, 0) + 1
    return causes
