"""Enrolments per second and p99 latency when N people apply at once for 30 seats, through real HTTP (uvicorn)
on the real database, the burst sent by wrk (N connections, one request each, all at once; see wrk_load.py), not
by a Python client: the academy's path (applications batched per offering, one conditional UPDATE per seat change, one
commit per batch) beside the previous one-transaction-per-request handler and a naive count-then-insert
(the Open edX / Django-autocommit pattern: count the enrolled, then insert) mounted on the same app, a bare FastAPI
route and a static answer (wrk's own ceiling) in the same run. The naive path also reports how many seats it
overbooked. wrk runs on one core and the server on the other (taskset) when there are two.

    python benchmarks/bench_academy_enrolment.py            # SQLite, 200 requests, 5 rounds
    AICITY_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres python benchmarks/bench_academy_enrolment.py
    AICITY_BENCH_N=1000 AICITY_BENCH_ROUNDS=9 AICITY_BENCH_WORKERS=2 ...   # bigger runs
"""

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402
from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import Session  # noqa: E402
from wrk_load import SERVER_CPUS, WRK, BareApp, StaticTarget, pinned, pinning_line, run_wrk  # noqa: E402

from services.common import migrate  # noqa: E402
from services.common.auth import issue_token  # noqa: E402
from services.common.db import make_engine  # noqa: E402
from services.common.settings import DEV_AUTH_SECRET  # noqa: E402
from services.talent_academy.catalogue.models import Course, Offering, Track  # noqa: E402
from services.talent_academy.enrolment.models import Enrolment, Learner  # noqa: E402
from services.talent_academy.main import create_app  # noqa: E402
from services.talent_academy.settings import TalentAcademySettings  # noqa: E402
from tools.hardening import free_port  # noqa: E402

N = int(os.environ.get("AICITY_BENCH_N", "200"))
SEATS = int(os.environ.get("AICITY_BENCH_SEATS", "30"))
ROUNDS = int(os.environ.get("AICITY_BENCH_ROUNDS", "5"))
WORKERS = int(os.environ.get("AICITY_BENCH_WORKERS", "1"))
PG = os.environ.get("AICITY_BENCH_POSTGRES_URL")


def database() -> tuple[str, callable]:
    if not PG:
        path = Path(tempfile.mkdtemp()) / "bench_academy.db"
        return f"sqlite:///{path}", lambda: None
    admin = make_url(PG).set(drivername="postgresql+psycopg")
    name = f"aicity_bench_academy_{uuid.uuid4().hex[:8]}"
    eng = create_engine(admin, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with eng.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        eng.dispose()

    return admin.set(database=name).render_as_string(hide_password=False), drop


def naive_route(app):
    """count-then-insert, each its own transaction (what an autocommit ORM does by default)."""
    from fastapi import Request

    @app.post("/bench/naive/{offering_id}")
    def naive(offering_id: int, body: dict, request: Request):
        engine = request.app.state.engine
        with engine.connect() as conn:
            (offering_capacity,) = conn.execute(select(Offering.capacity).where(Offering.id == offering_id)).one()
            enrolled = conn.execute(select(func.count()).select_from(Enrolment).where(
                Enrolment.offering_id == offering_id, Enrolment.status == "enrolled")).scalar_one()
            conn.rollback()
        status = "enrolled" if enrolled < offering_capacity else "waitlisted"
        with engine.begin() as conn:
            conn.execute(insert(Enrolment).values(offering_id=offering_id, learner_id=uuid.UUID(body["learner_id"]),
                                                  status=status, applied_at=datetime.now(UTC), source="api",
                                                  priority_class=1, missing_prerequisites=[],
                                                  completion_reasons=[], content_locked=False,
                                                  sessions_attended=0, projects_passed=0))
        return {"status": status}


def answer_variants(app):
    """The previous handler beside the shipped one, on the same service call, auth and database: each application
    its own transaction (a thread from the pool, a pooled connection, the offering's row lock held to its own commit
    by the request's session dependency), so the batching (enrolment/batches.py) is measured in the same run."""
    from fastapi import Response

    from services.common.db import SessionDep, utcnow
    from services.common.routing import APIRouter
    from services.talent_academy.access import StaffOrPartner
    from services.talent_academy.enrolment import service
    from services.talent_academy.enrolment.schemas import EnrolmentCreate, EnrolmentRead

    router = APIRouter()

    @router.post("/bench/one-at-a-time/{offering_id}", response_model=EnrolmentRead, status_code=201)
    def one_at_a_time(offering_id: int, data: EnrolmentCreate, response: Response, session: SessionDep,
                      principal: StaffOrPartner):
        enrolment, created = service.enrol(session, offering_id=offering_id, learner_id=data.learner_id,
                                           source=data.source, now=utcnow())
        if not created:
            response.status_code = 200
        return service.read(session, enrolment)

    app.include_router(router)


def bench_app():
    """uvicorn factory for the server process: the real app plus the naive route and the answer variants."""
    app = create_app(TalentAcademySettings(log_level="WARNING"))
    naive_route(app)
    answer_variants(app)
    return app


PATHS = {"academy": "/v1/offerings/{}/enrolments", "single": "/bench/one-at-a-time/{}", "naive": "/bench/naive/{}"}


def prepare(engine, label: str) -> tuple[int, list[str]]:
    now = datetime.now(UTC)
    with Session(engine) as session:
        if session.get(Track, "ai") is None:
            session.add(Track(id="ai", name="AI"))
            session.flush()
            session.add(Course(id="AI-101", track_id="ai", title="AI"))
            session.flush()
        offering = Offering(code=f"{label}-{uuid.uuid4().hex[:6]}", course_id="AI-101", cohort="bench",
                            capacity=SEATS, waitlist_cap=N, opens_at=now - timedelta(days=1),
                            closes_at=now + timedelta(days=1), starts_on=date.today() + timedelta(days=10),
                            ends_on=date.today() + timedelta(days=100))
        session.add(offering)
        learners = [Learner(name="x", birth_date=date(2000, 1, 1), residence="Pohang") for _ in range(N)]
        session.add_all(learners)
        session.commit()
        return offering.id, [str(x.id) for x in learners]


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def server(url: str, identity: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "TALENT_ACADEMY_DATABASE_URL": url, "AICITY_IDENTITY_DATABASE_URL": identity,
           "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen(pinned(
        [sys.executable, "-m", "uvicorn", "--app-dir", str(Path(__file__).parent), "--factory",
         "bench_academy_enrolment:bench_app", "--host", "127.0.0.1", "--port", str(port), "--log-level",
         "error", "--no-access-log", "--backlog", "4096", "--workers", str(WORKERS)], SERVER_CPUS),
        env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            raise SystemExit("the bench server did not start")
        time.sleep(0.2)


def commit_ms(engine) -> float:
    """The median time of one small durable commit (an UPDATE of one row, then COMMIT) on this database now: taken
    one transaction per application, the changes of one offering's seat counter commit one after another, so it
    cannot take more than about 1000 / this many a second; batched, one commit serves a batch."""
    times = []
    with engine.connect() as conn:
        for _ in range(30):
            t0 = time.perf_counter()
            conn.execute(text("UPDATE offering SET waitlist_seq = waitlist_seq WHERE id = (SELECT min(id) FROM offering)"))
            conn.commit()
            times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    if not WRK:
        print("wrk is not installed (apt-get install wrk): no enrolment burst figures")
        return
    url, drop = database()
    identity = f"sqlite:///{tempfile.mkdtemp()}/identity.db"
    stats = {kind: [] for kind in (*PATHS, "bare", "static")}
    try:
        migrate.upgrade("talent_academy", url)
        migrate.upgrade("identity", identity)
        port = free_port()
        proc = server(url, identity, port)
        engine = make_engine(url)
        # tokens are checked against their account (revocation), so the bench signs a real one
        from services.identity.accounts.service import create_account

        with Session(make_engine(identity), expire_on_commit=False) as session:
            staff = create_account(session, username="bench", password="bench-pass-1", role="academy_staff")
            session.commit()
        token, _ = issue_token(DEV_AUTH_SECRET, account=staff, ttl_s=3600)
        headers = {"Authorization": f"Bearer {token}"}
        base = f"http://127.0.0.1:{port}"
        pin = pinning_line(proc.pid)
        with StaticTarget(free_port()) as static, BareApp(free_port()) as bare:
            for _ in range(ROUNDS):
                for kind in PATHS:
                    offering_id, ids = prepare(engine, kind)
                    path = PATHS[kind].format(offering_id)
                    specs = [{"method": "POST", "url": path, "headers": headers, "json": {"learner_id": lid}}
                             for lid in ids]
                    result = run_wrk(kind, base, specs, connections=N, duration_s=60, burst=True)
                    with Session(engine) as session:
                        enrolled = session.execute(select(func.count()).select_from(Enrolment).where(
                            Enrolment.offering_id == offering_id, Enrolment.status == "enrolled")).scalar_one()
                        waiting = session.execute(select(func.count()).select_from(Enrolment).where(
                            Enrolment.offering_id == offering_id, Enrolment.status == "waitlisted")).scalar_one()
                        counter = session.get(Offering, offering_id).seats_taken
                    stats[kind].append({"result": result, "enrolled": enrolled, "waiting": waiting,
                                        "counter": counter})
                for kind, target, spec in (
                        ("bare", bare, {"method": "POST", "url": "/echo", "json": {"learner_id": str(uuid.uuid4())}}),
                        ("static", static, {"method": "GET", "url": "/healthz"})):
                    stats[kind].append({"result": run_wrk(kind, target.base_url, [spec] * N, connections=N,
                                                          duration_s=60, burst=True)})
        durable = commit_ms(engine)
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        engine.dispose()
    finally:
        drop()

    backend = "postgresql" if PG else "sqlite"
    print(f"talent academy enrolment burst: {N} requests sent at once by wrk ({N} connections, one request each) "
          f"for {SEATS} seats, {backend}, {WORKERS} uvicorn worker(s), {ROUNDS} rounds (median of the rounds)")
    print(pin)
    print(f"one durable commit of a one-row UPDATE takes {durable:.1f} ms on this {backend} now (median of 30): one "
          f"transaction per application allows at most ~{1000 / durable:,.0f} a second on one offering (its row lock is "
          "held to each commit); the shipped path commits once per batch")
    print(f"{'path':<40}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'enrolled':>10}{'waitlisted':>11}"
          f"{'overbooked':>11}{'non-2xx':>9}")
    med = {}
    labels = (("academy", "academy POST /v1/offerings/{id}/enrolments"),
              ("single", "  previous: one transaction per request"),
              ("naive", "naive count-then-insert"),
              ("bare", "baseline: bare FastAPI POST /echo"), ("static", "wrk ceiling: static answer"))
    for kind, label in labels:
        rows = stats[kind]
        results = [r["result"] for r in rows]
        med[kind] = statistics.median(r.per_s for r in results)
        counts = ""
        if kind in PATHS:
            enrolled = max(r["enrolled"] for r in rows)
            counts = (f"{enrolled:>10}{max(r['waiting'] for r in rows):>11}"
                      f"{max(0, enrolled - SEATS):>11}")
        else:
            counts = f"{'':>10}{'':>11}{'':>11}"
        print(f"{label:<40}{med[kind]:>8.0f}{statistics.median(r.p50_ms for r in results):>9.1f}"
              f"{statistics.median(r.p99_ms for r in results):>9.1f}{counts}"
              f"{sum(r.non_2xx + r.transport_errors for r in results):>9}")
        codes: dict[str, int] = {}
        for r in results:
            for code, n in r.statuses.items():
                if not code.startswith("2"):
                    codes[code] = codes.get(code, 0) + n
        if codes or any(r.transport_errors for r in results):
            print(f"  {label}: non-2xx {codes}, transport errors {sum(r.transport_errors for r in results)}")
        if kind == "naive":
            print(f"  naive overbooked per round: {[max(0, r['enrolled'] - SEATS) for r in rows]}")
        if kind in ("academy", "single"):
            wrong = [r for r in rows if r["counter"] != r["enrolled"] or r["enrolled"] > SEATS]
            print(f"  {kind}: seat counter equals the enrolled rows in {ROUNDS - len(wrong)} of {ROUNDS} rounds")
    print(f"batched applications (shipped) / one transaction per request: {med['academy'] / med['single']:.2f}x "
          "the throughput")
    print(f"ratio academy / bare FastAPI: {med['academy'] / med['bare']:.2f}; "
          f"academy / naive: {med['academy'] / med['naive']:.2f}; "
          f"static / bare: {med['static'] / med['bare']:.1f} (wrk is not the bottleneck when this is well above 1)")


if __name__ == "__main__":
    main()
