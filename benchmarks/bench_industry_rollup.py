"""The day's rollup (minute, hour and local-day rows) for 200 sensors at 1 Hz, in seconds, by the
`industry.rollup_telemetry` job (set-based SQL over the dirty hours), beside the baseline of fetching the
readings and aggregating them in Python, measured on the same data in the same run, SQLite and PostgreSQL.

    uv run python benchmarks/bench_industry_rollup.py                  (1 hour: 720,000 readings)
    BENCH_INDUSTRY_ROLLUP_HOURS=24 uv run python ...                   (the full day: 17,280,000 readings)
"""

import os
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from services.common import migrate  # noqa: E402
from services.common.db import make_engine  # noqa: E402
from services.industry.telemetry.rollup import rollup_telemetry  # noqa: E402

HOURS = int(os.environ.get("BENCH_INDUSTRY_ROLLUP_HOURS", "1"))
SENSORS = 200
PG = os.environ.get("BENCH_POSTGRES_URL", os.environ.get("AICITY_TEST_POSTGRES_URL",
                                                         "postgresql://postgres@127.0.0.1:5432/postgres"))
DAY = datetime(2025, 3, 2, 15, 0, tzinfo=UTC)  # 00:00 Asia/Seoul


def fill(engine) -> None:
    """Readings and their dirty hours, as ingest leaves them, written by SQL to save time."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(
                "INSERT INTO reading (sensor_id, ts, value) SELECT s, :t0 + make_interval(secs => i),"
                " 20 + (s * 7 + i) % 50 FROM generate_series(1, :n) s, generate_series(0, :secs - 1) i"),
                {"t0": DAY, "n": SENSORS, "secs": HOURS * 3600})
            conn.execute(text(
                "INSERT INTO rollup_dirty (sensor_id, hour_start, hour_end) SELECT s, :t0 + make_interval(hours => h),"
                " :t0 + make_interval(hours => h + 1) FROM generate_series(1, :n) s, generate_series(0, :h - 1) h"),
                {"t0": DAY, "n": SENSORS, "h": HOURS})
        else:
            base = DAY.replace(tzinfo=None)
            for h in range(HOURS):
                start = base + timedelta(hours=h)
                conn.execute(text(
                    "WITH RECURSIVE i(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM i WHERE x < 3599),"
                    " s(y) AS (SELECT 1 UNION ALL SELECT y + 1 FROM s WHERE y < :n)"
                    " INSERT INTO reading (sensor_id, ts, value) SELECT y,"
                    " strftime('%Y-%m-%d %H:%M:%S.000000', :t0, '+' || x || ' seconds'), 20 + (y * 7 + x) % 50"
                    " FROM s, i"), {"t0": start.strftime("%Y-%m-%d %H:%M:%S"), "n": SENSORS})
                conn.execute(text(
                    "WITH RECURSIVE s(y) AS (SELECT 1 UNION ALL SELECT y + 1 FROM s WHERE y < :n)"
                    " INSERT INTO rollup_dirty (sensor_id, hour_start, hour_end) SELECT y, :a, :b FROM s"),
                    {"n": SENSORS, "a": start.strftime("%Y-%m-%d %H:%M:%S.000000"),
                     "b": (start + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S.000000")})


def python_baseline(engine) -> float:
    """Fetch every reading of the first hour and aggregate per sensor and minute in Python; readings/s."""
    started = time.perf_counter()
    agg = defaultdict(lambda: [0, 0.0, float("inf"), float("-inf")])
    n = 0
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True).execute(
            text("SELECT sensor_id, ts, value FROM reading WHERE ts < :end"),
            {"end": DAY + timedelta(hours=1) if engine.dialect.name == "postgresql"
             else (DAY + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S.000000")})
        for sid, ts, value in result:
            key = (sid, str(ts)[:16])
            a = agg[key]
            a[0] += 1
            a[1] += value
            a[2] = min(a[2], value)
            a[3] = max(a[3], value)
            n += 1
    return n / (time.perf_counter() - started)


def run(label: str, url: str) -> None:
    migrate.upgrade("industry", url)
    engine = make_engine(url)
    t = time.perf_counter()
    fill(engine)
    fill_s = time.perf_counter() - t
    t = time.perf_counter()
    summary = rollup_telemetry(engine, tz="Asia/Seoul")
    ours_s = time.perf_counter() - t
    readings = SENSORS * HOURS * 3600
    base_rate = python_baseline(engine)
    with engine.connect() as conn:
        days = conn.execute(text("SELECT count(*), sum(n) FROM reading_rollup WHERE period = 'day'")).one()
    assert days[1] == readings, days
    ours_rate = readings / ours_s
    print(f"{label:<10} rollup of {readings:,} readings: {ours_s:7.1f} s ({ours_rate:,.0f} readings/s; "
          f"{summary['minute_rows']:,} minute rows)   Python-side baseline {base_rate:,.0f} readings/s "
          f"(would take {readings / base_rate:,.0f} s)   ratio {ours_rate / base_rate:.1f}x   [data written in {fill_s:.0f} s]")
    engine.dispose()


def main() -> None:
    print(f"{SENSORS} sensors at 1 Hz for {HOURS} h")
    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite", f"sqlite:///{tmp}/industry.db")
    admin = make_url(PG).set(drivername="postgresql+psycopg")
    name = f"aicity_bench_rollup_{uuid.uuid4().hex[:8]}"
    try:
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        print(f"PostgreSQL not reachable ({type(exc).__name__}); SQLite only")
        return
    try:
        run("PostgreSQL", admin.set(database=name).render_as_string(hide_password=False))
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


if __name__ == "__main__":
    main()
