"""Enrolments per second and p99 latency when N people apply at once for 30 seats, through real HTTP (uvicorn)
on the real database: the academy's path (row lock + conditional UPDATE with a row-count check) beside a
naive count-then-insert (the Open edX / Django-autocommit pattern: count the enrolled, then insert) mounted
on the same app and measured in the same run. The naive path also reports how many seats it overbooked.
The server runs in its own process (one uvicorn worker), the 200 clients in this one.

    python benchmarks/bench_academy_enrolment.py            # SQLite, 200 requests, 3 rounds
    AICITY_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres python benchmarks/bench_academy_enrolment.py
    AICITY_BENCH_N=1000 AICITY_BENCH_ROUNDS=5 ...          # the full-size run
"""

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import Session  # noqa: E402

from services.common import migrate  # noqa: E402
from services.common.auth import issue_token  # noqa: E402
from services.common.db import make_engine  # noqa: E402
from services.common.settings import DEV_AUTH_SECRET  # noqa: E402
from services.talent_academy.catalogue.models import Course, Offering, Track  # noqa: E402
from services.talent_academy.enrolment.models import Enrolment, Learner  # noqa: E402
from services.talent_academy.main import create_app  # noqa: E402
from services.talent_academy.settings import TalentAcademySettings  # noqa: E402

N = int(os.environ.get("AICITY_BENCH_N", "200"))
SEATS = int(os.environ.get("AICITY_BENCH_SEATS", "30"))
ROUNDS = int(os.environ.get("AICITY_BENCH_ROUNDS", "3"))
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


def bench_app():
    """uvicorn factory for the server process: the real app plus the naive route."""
    app = create_app(TalentAcademySettings(log_level="WARNING"))
    naive_route(app)
    return app


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


def burst(http, url: str, learner_ids: list[str], headers: dict) -> tuple[float, list[float], list]:
    barrier = threading.Barrier(len(learner_ids))

    def one(lid):
        barrier.wait()
        t0 = time.perf_counter()
        r = http.post(url, json={"learner_id": lid}, headers=headers)
        return time.perf_counter() - t0, r

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(learner_ids)) as pool:
        results = list(pool.map(one, learner_ids))
    wall = time.perf_counter() - started
    return wall, [lat for lat, _ in results], [r for _, r in results]


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    url, drop = database()
    identity = f"sqlite:///{tempfile.mkdtemp()}/identity.db"
    try:
        migrate.upgrade("talent_academy", url)
        migrate.upgrade("identity", identity)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {**os.environ, "TALENT_ACADEMY_DATABASE_URL": url, "AICITY_IDENTITY_DATABASE_URL": identity,
               "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--app-dir", str(Path(__file__).parent), "--factory",
             "bench_academy_enrolment:bench_app", "--host", "127.0.0.1", "--port", str(port), "--log-level",
             "error", "--no-access-log", "--backlog", "4096"], env=env)
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the bench server did not start")
            time.sleep(0.2)
        engine = make_engine(url)
        # tokens are checked against their account (revocation), so the bench signs a real one
        from sqlmodel import Session as _Session

        from services.identity.accounts.service import create_account

        with _Session(make_engine(identity), expire_on_commit=False) as session:
            staff = create_account(session, username="bench", password="bench-pass-1", role="academy_staff")
            session.commit()
        token, _ = issue_token(DEV_AUTH_SECRET, account=staff, ttl_s=3600)
        headers = {"Authorization": f"Bearer {token}"}
        base = f"http://127.0.0.1:{port}"
        stats = {"academy": [], "naive": []}
        for _ in range(ROUNDS):
            for kind in ("academy", "naive"):
                offering_id, ids = prepare(engine, kind)
                # a fresh client per burst: kept-alive connections would outlive uvicorn's 5 s keep-alive
                with httpx.Client(timeout=300, limits=httpx.Limits(max_connections=N)) as http:
                    path = (f"/v1/offerings/{offering_id}/enrolments" if kind == "academy"
                            else f"/bench/naive/{offering_id}")
                    wall, lats, responses = burst(http, base + path, ids, headers)
                    errors = sum(r.status_code >= 400 for r in responses)
                    with Session(engine) as session:
                        enrolled = session.execute(select(func.count()).select_from(Enrolment).where(
                            Enrolment.offering_id == offering_id, Enrolment.status == "enrolled")).scalar_one()
                    stats[kind].append({"rate": N / wall, "p50": pct(lats, 50), "p99": pct(lats, 99),
                                        "enrolled": enrolled, "errors": errors})
        server.terminate()
        server.wait(timeout=30)
        engine.dispose()
    finally:
        drop()

    backend = "postgresql" if PG else "sqlite"
    print(f"talent academy enrolment burst: {N} concurrent requests for {SEATS} seats, {backend}, "
          f"{ROUNDS} rounds (median), real HTTP via uvicorn")
    print(f"{'path':<34}{'enrolments/s':>13}{'p50 ms':>9}{'p99 ms':>9}{'enrolled':>10}{'overbooked':>12}{'errors':>8}")
    med = {}
    for kind, label in (("academy", "academy (lock + conditional UPDATE)"), ("naive", "naive count-then-insert")):
        rows = stats[kind]
        med[kind] = statistics.median(r["rate"] for r in rows)
        enrolled = max(r["enrolled"] for r in rows)
        print(f"{label:<34}{med[kind]:>13.0f}{statistics.median(r['p50'] for r in rows) * 1000:>9.0f}"
              f"{statistics.median(r['p99'] for r in rows) * 1000:>9.0f}{enrolled:>10}"
              f"{max(0, enrolled - SEATS):>12}{sum(r['errors'] for r in rows):>8}")
        if kind == "naive":
            print(f"  naive overbooked per round: {[max(0, r['enrolled'] - SEATS) for r in rows]}")
    print(f"ratio academy/naive throughput: {med['academy'] / med['naive']:.2f}x "
          f"(the naive path writes less per request and still oversells)")


if __name__ == "__main__":
    main()
