"""Rollups by UTC minute and hour and local day, recomputed for exactly the hours that got new readings."""

import uuid
from collections import defaultdict

from sqlalchemy import bindparam, delete, select, text, update
from sqlalchemy.engine import Engine

from services.common.db import UTCDateTime
from services.industry.dialect import bucket_sql
from services.industry.telemetry.models import RollupDirty
from services.industry.timeutil import day_bounds, local_day

DIRTY = RollupDirty.__table__


def rollup_telemetry(engine: Engine, *, tz: str) -> dict:
    """Claims the dirty hours, rebuilds their minute and hour rows from the readings and the day rows from
    the hours, then forgets the claimed hours (an hour that got readings meanwhile lost its claim and stays)."""
    token = uuid.uuid4().hex
    with engine.begin() as conn:
        claimed = conn.execute(update(DIRTY).values(claim=token)).rowcount
    if not claimed:
        return {"hours": 0, "minute_rows": 0, "days": 0}
    dialect = engine.dialect.name
    minute = bucket_sql(dialect, "r.ts", "minute")
    with engine.begin() as conn:
        conn.execute(text(
            "DELETE FROM reading_rollup WHERE period IN ('minute', 'hour') AND EXISTS (SELECT 1 FROM rollup_dirty d"
            " WHERE d.claim = :token AND d.sensor_id = reading_rollup.sensor_id"
            " AND reading_rollup.bucket_start >= d.hour_start AND reading_rollup.bucket_start < d.hour_end)"
        ), {"token": token})
        minute_rows = conn.execute(text(
            "INSERT INTO reading_rollup (sensor_id, period, bucket_start, n, total, min_value, max_value)"
            f" SELECT r.sensor_id, 'minute', {minute}, count(*), sum(r.value), min(r.value), max(r.value)"
            " FROM reading r JOIN rollup_dirty d ON d.sensor_id = r.sensor_id"
            " AND r.ts >= d.hour_start AND r.ts < d.hour_end"
            f" WHERE d.claim = :token GROUP BY r.sensor_id, {minute}"
        ), {"token": token}).rowcount
        conn.execute(text(
            "INSERT INTO reading_rollup (sensor_id, period, bucket_start, n, total, min_value, max_value)"
            " SELECT m.sensor_id, 'hour', d.hour_start, sum(m.n), sum(m.total), min(m.min_value), max(m.max_value)"
            " FROM reading_rollup m JOIN rollup_dirty d ON d.sensor_id = m.sensor_id AND m.period = 'minute'"
            " AND m.bucket_start >= d.hour_start AND m.bucket_start < d.hour_end"
            " WHERE d.claim = :token GROUP BY m.sensor_id, d.hour_start"
        ), {"token": token})
        sensors_by_day: dict = defaultdict(set)
        for sid, hour in conn.execute(select(DIRTY.c.sensor_id, DIRTY.c.hour_start).where(DIRTY.c.claim == token)):
            sensors_by_day[local_day(hour, tz)].add(sid)
        day_insert = text(
            "INSERT INTO reading_rollup (sensor_id, period, bucket_start, n, total, min_value, max_value)"
            " SELECT h.sensor_id, 'day', :start, sum(h.n), sum(h.total), min(h.min_value), max(h.max_value)"
            " FROM reading_rollup h WHERE h.period = 'hour' AND h.bucket_start >= :start AND h.bucket_start < :end"
            " AND h.sensor_id IN :sensors GROUP BY h.sensor_id"
        ).bindparams(bindparam("start", type_=UTCDateTime()), bindparam("end", type_=UTCDateTime()),
                     bindparam("sensors", expanding=True))
        day_delete = text(
            "DELETE FROM reading_rollup WHERE period = 'day' AND bucket_start = :start AND sensor_id IN :sensors"
        ).bindparams(bindparam("start", type_=UTCDateTime()), bindparam("sensors", expanding=True))
        for day, sensors in sensors_by_day.items():
            start, end = day_bounds(day, tz)
            for chunk in _chunks(sorted(sensors), 500):
                conn.execute(day_delete, {"start": start, "sensors": chunk})
                conn.execute(day_insert, {"start": start, "end": end, "sensors": chunk})
    with engine.begin() as conn:
        conn.execute(delete(DIRTY).where(DIRTY.c.claim == token))
    return {"hours": claimed, "minute_rows": minute_rows, "days": len(sensors_by_day)}


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i: i + size]


