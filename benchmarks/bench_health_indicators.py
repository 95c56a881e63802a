"""The city's control indicators for one month on PostgreSQL: the one grouped query of
services/health_hubs/indicators (latest reading per resident by LATERAL LIMIT 1 probes of the covering index)
beside a per-resident query loop (2-4 queries a resident), in the same run; the earlier grouped query (one window
scan of the 3 months, ROW_NUMBER over a sort) is timed too, on the same data and indexes.

Default: 20,000 residents and 1,000,000 readings (a few minutes). Full size as in the issue:
  HEALTH_BENCH_RESIDENTS=100000 HEALTH_BENCH_READINGS=5000000 python benchmarks/bench_health_indicators.py
Needs PostgreSQL: AICITY_BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres).
"""

import io
import os
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from services.common import migrate  # noqa: E402
from services.common.db import make_engine  # noqa: E402
from services.health_hubs.centres.domain import all_centres  # noqa: E402
from services.health_hubs.indicators.domain import glucose_indicator_band, is_controlled, windows  # noqa: E402
from services.health_hubs.indicators.service import centre_counts  # noqa: E402
from services.health_hubs.readings.rules import KSH_2022  # noqa: E402

RESIDENTS = int(os.environ.get("HEALTH_BENCH_RESIDENTS", "20000"))
READINGS = int(os.environ.get("HEALTH_BENCH_READINGS", "1000000"))
ADMIN_URL = os.environ.get("AICITY_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
MONTH = "2025-06"
DB_NAME = "aicity_bench_health_indicators"


def fresh_database() -> str:
    admin = make_url(ADMIN_URL).set(drivername="postgresql+psycopg")
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DB_NAME}"'))
    engine.dispose()
    return admin.set(database=DB_NAME).render_as_string(hide_password=False)


def generate(engine) -> None:
    """COPY residents and readings: 24 months of visits ending with the report month."""
    rng = random.Random(7)
    centres = list(all_centres().values())
    end = windows(MONTH).end
    ids = []
    buf = io.StringIO()
    for _ in range(RESIDENTS):
        rid = uuid.uuid4()
        ids.append(rid)
        c = rng.choice(centres)
        reg = end - timedelta(seconds=rng.randint(0, 900 * 86400))
        status = "dead" if rng.random() < 0.01 else "active"
        died = (reg + timedelta(days=30)).isoformat() if status == "dead" else "\\N"
        buf.write(f"{rid}\t테\t스트\tㅌㅔㅅㅡㅌㅡ\t1950-01-01\tfemale\t{c.id}\t{c.district}\t{status}\t{reg.isoformat()}"
                  f"\t{died}\t{reg.isoformat()}\tbench\n")
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        with cur.copy("COPY resident (id, family_name, given_name, name_key, birth_date, sex, centre_id, district, "
                      "status, registered_at, died_at, updated_at, created_by) FROM STDIN") as copy:
            copy.write(buf.getvalue())
        raw.commit()
        cols = ("id, resident_id, centre_id, device_id, kind, measured_at, device_updated_at, received_at, "
                "updated_at, deleted_at, systolic, diastolic, raw, flags, protocol_complete, glucose_mg_dl, "
                "meal_context, category, rule_version, next_step")
        # residents differ in how often they come: some weekly, many monthly, a few rarely (lost to follow-up).
        # Readings arrive day by day, so the table is in time order as a real one would be.
        weights = [rng.choice((0.1, 1, 1, 2, 4)) for _ in ids]
        days = 730
        per_day, extra = divmod(READINGS, days)
        start = end - timedelta(days=days)
        part = io.StringIO()
        for day in range(days):
            day_start = start + timedelta(days=day)
            n = per_day + (1 if day < extra else 0)
            visits = sorted((rng.randint(0, 86399), i) for i in rng.choices(range(len(ids)), weights=weights, k=n))
            for second, i in visits:
                at = (day_start + timedelta(seconds=second)).isoformat()
                deleted = "\\N" if rng.random() > 0.002 else at
                if rng.random() < 0.75:
                    s = int(rng.gauss(135, 18))
                    d = min(s - 20, int(rng.gauss(80, 10)))
                    part.write(f"{uuid.uuid4()}\t{ids[i]}\tC001\tk\tbp\t{at}\t{at}\t{at}\t{at}\t{deleted}\t{s}\t{d}"
                               f"\t[]\t[]\tt\t\\N\t\\N\tx\tksh2022.1\tnone\n")
                else:
                    g = int(rng.gauss(130, 45))
                    meal = rng.choice(("fasting", "postprandial", "random"))
                    part.write(f"{uuid.uuid4()}\t{ids[i]}\tC001\tk\tglucose\t{at}\t{at}\t{at}\t{at}\t{deleted}"
                               f"\t\\N\t\\N\t[]\t[]\tt\t{g}\t{meal}\tx\tksh2022.1\tnone\n")
            if part.tell() > 20_000_000 or day == days - 1:
                with cur.copy(f"COPY reading ({cols}) FROM STDIN") as copy:
                    copy.write(part.getvalue())
                raw.commit()
                part = io.StringIO()
        raw.commit()
        # VACUUM, as autovacuum does to an insert-only table (PostgreSQL >= 13): its visibility map lets
        # index-only scans skip the heap
        raw.driver_connection.autocommit = True
        cur.execute("VACUUM (ANALYZE) resident")
        cur.execute("VACUUM (ANALYZE) reading")
        raw.driver_connection.autocommit = False  # the pooled connection goes back as it came
    finally:
        raw.close()


def per_resident_loop(engine, as_of) -> dict:
    """The straightforward way: for each resident, ask the database about that resident."""
    w = windows(MONTH)
    totals = dict.fromkeys(("denominator", "controlled", "uncontrolled", "missed_visit", "visited_no_bp",
                            "lost_to_follow_up", "glucose_band1", "glucose_band2", "glucose_band3"), 0)
    with engine.connect() as conn:
        people = conn.execute(text(
            "SELECT id, registered_at FROM resident WHERE status <> 'merged' AND registered_at < :end "
            "AND (died_at IS NULL OR died_at >= :end)"), {"end": w.end}).all()
        last_bp = text("SELECT systolic, diastolic FROM reading WHERE resident_id = :r AND kind = 'bp' AND "
                       "deleted_at IS NULL AND measured_at >= :a AND measured_at < :b AND received_at <= :o "
                       "ORDER BY measured_at DESC, id DESC LIMIT 1")
        last_glu = text("SELECT glucose_mg_dl, meal_context FROM reading WHERE resident_id = :r AND kind = 'glucose' "
                        "AND deleted_at IS NULL AND measured_at >= :a AND measured_at < :b AND received_at <= :o "
                        "ORDER BY measured_at DESC, id DESC LIMIT 1")
        visited = text("SELECT 1 FROM reading WHERE resident_id = :r AND deleted_at IS NULL AND measured_at >= :a "
                       "AND measured_at < :b AND received_at <= :o LIMIT 1")
        for rid, registered_at in people:
            p = {"r": rid, "b": w.end, "o": as_of}
            v3 = conn.execute(visited, {**p, "a": w.start3}).first() is not None
            v12 = v3 or conn.execute(visited, {**p, "a": w.start12}).first() is not None
            ltfu = registered_at < w.start12 and not v12
            totals["lost_to_follow_up"] += ltfu
            if ltfu or registered_at >= w.registered_before:
                continue
            totals["denominator"] += 1
            bp = conn.execute(last_bp, {**p, "a": w.start3}).first() if v3 else None
            if bp is not None:
                totals["controlled" if is_controlled(bp[0], bp[1], KSH_2022) else "uncontrolled"] += 1
            else:
                totals["visited_no_bp" if v3 else "missed_visit"] += 1
            glu = conn.execute(last_glu, {**p, "a": w.start3}).first() if v3 else None
            if glu is not None:
                totals[f"glucose_band{glucose_indicator_band(glu[0], glu[1], KSH_2022)}"] += 1
    return totals


def main() -> None:
    url = fresh_database()
    migrate.upgrade("health_hubs", url)
    engine = make_engine(url)
    t = time.perf_counter()
    generate(engine)
    print(f"data: {RESIDENTS:,} residents, {READINGS:,} readings over 24 months, loaded by COPY in "
          f"{time.perf_counter() - t:.0f} s (PostgreSQL)")
    as_of = datetime.now(UTC)

    def timed(method):
        with engine.connect() as conn:  # warm the cache once, as a dashboard would
            centre_counts(conn, month=MONTH, rules=KSH_2022, as_of=as_of, method=method)
        times = []
        for _ in range(3):
            t = time.perf_counter()
            with engine.connect() as conn:
                per_centre = centre_counts(conn, month=MONTH, rules=KSH_2022, as_of=as_of, method=method)
            times.append(time.perf_counter() - t)
        return per_centre, times

    per_centre, times = timed("lateral")
    window_centre, window_times = timed("window")
    query_s = min(times)
    city = {k: sum(c[k] for c in per_centre.values()) for k in next(iter(per_centre.values()))}
    window_city = {k: sum(c[k] for c in window_centre.values()) for k in city}
    t = time.perf_counter()
    loop = per_resident_loop(engine, as_of)
    loop_s = time.perf_counter() - t
    same = all(loop[k] == city[k] for k in loop)
    groups = city["controlled"] + city["uncontrolled"] + city["missed_visit"] + city["visited_no_bp"]
    print(f"city indicators for {MONTH} (641 centres, 2 districts): grouped query, LATERAL latest reading "
          f"{query_s:.2f} s (best of 3; runs {', '.join(f'{x:.2f}' for x in times)} s)")
    print(f"earlier grouped query, 3-month window scan + ROW_NUMBER: {min(window_times):.2f} s "
          f"(runs {', '.join(f'{x:.2f}' for x in window_times)} s); same counts: {window_city == city}")
    print(f"baseline per-resident loop ({len(per_centre)} centres, 2-4 queries a resident): {loop_s:.1f} s")
    print(f"speed-up: {loop_s / query_s:.0f}x; same totals: {same}; four groups sum to the denominator: "
          f"{groups == city['denominator']} ({city['denominator']:,}); controlled {city['controlled']:,}, "
          f"lost to follow-up {city['lost_to_follow_up']:,}")
    engine.dispose()
    admin = create_engine(make_url(ADMIN_URL).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
    admin.dispose()


if __name__ == "__main__":
    main()
