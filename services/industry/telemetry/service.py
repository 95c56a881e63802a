"""Use cases of telemetry: store readings (HTTP batches and MQTT alike), latest values, series. Flush only."""

import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from services.common.auth import Principal
from services.common.db import insert_for
from services.common.errors import Conflict, Forbidden, Unprocessable
from services.industry.alarms import service as alarms
from services.industry.assets.models import Sensor
from services.industry.safety import service as safety
from services.industry.telemetry.domain import SensorRef, check_readings, hour_start
from services.industry.telemetry.models import (
    Reading,
    ReadingRollup,
    RollupDirty,
    SensorLatest,
    SparkplugEvent,
    SparkplugNode,
    TelemetryBatch,
)

READINGS = Reading.__table__
LATEST = SensorLatest.__table__
DIRTY = RollupDirty.__table__
# Readings go in as one statement per batch, below SQLAlchemy's per-row parameter processing (which cost more
# than the database itself): on PostgreSQL three arrays sent in binary (%b: no per-element quoting), on SQLite
# one multi-row VALUES with the timestamps already in SQLAlchemy's SQLite storage text, so rows written here
# and rows written through the ORM compare equal (the (sensor_id, ts) key stays one key).
PG_INSERT_READINGS = (
    "INSERT INTO reading (sensor_id, ts, value) SELECT * FROM unnest(%b::integer[], %b::timestamptz[],"
    " %b::double precision[]) ON CONFLICT (sensor_id, ts) DO NOTHING RETURNING sensor_id, ts"
)
PG_UPSERT_LATEST = (
    "INSERT INTO sensor_latest (sensor_id, ts, value, source, stale) SELECT s, t, v, %s, false"
    " FROM unnest(%b::integer[], %b::timestamptz[], %b::double precision[]) AS u(s, t, v)"
    " ON CONFLICT (sensor_id) DO UPDATE SET ts = excluded.ts, value = excluded.value, source = excluded.source,"
    " stale = false, stale_reason = NULL, stale_at = NULL WHERE sensor_latest.ts < excluded.ts"
)
PG_MARK_DIRTY = (
    "INSERT INTO rollup_dirty (sensor_id, hour_start, hour_end, claim) SELECT s, h, h + interval '1 hour', NULL"
    " FROM unnest(%b::integer[], %b::timestamptz[]) AS u(s, h)"
    " ON CONFLICT (sensor_id, hour_start) DO UPDATE SET claim = NULL"
)
SQLITE_INSERT_READINGS = "INSERT INTO reading (sensor_id, ts, value) VALUES {} ON CONFLICT (sensor_id, ts) DO NOTHING" \
    " RETURNING sensor_id, ts"
HOUR = timedelta(hours=1)
SQLITE_ROWS_PER_STATEMENT = 8000  # 3 variables a row, under SQLite's 32,766 variables per statement


def sqlite_ts_text(ts: datetime) -> str:
    """An aware instant as SQLAlchemy stores UTCDateTime on SQLite: naive UTC 'YYYY-MM-DD HH:MM:SS.ffffff'."""
    return ts.astimezone(UTC).isoformat(" ", "microseconds")[:26]


def _insert_readings(conn, rows: list[dict]) -> set[tuple[int, datetime]] | None:
    """Inserts rows, skipping those already stored; returns the (sensor_id, ts) keys of the new ones, or None
    when every row was new (the usual case, so no set is built)."""
    if conn.dialect.name == "postgresql":
        stored = conn.exec_driver_sql(PG_INSERT_READINGS, (
            [r["sensor_id"] for r in rows], [r["ts"] for r in rows], [r["value"] for r in rows],
        )).all()
        return None if len(stored) == len(rows) else {(sid, ts.astimezone(UTC)) for sid, ts in stored}
    texts = [sqlite_ts_text(r["ts"]) for r in rows]
    stored = []
    for start in range(0, len(rows), SQLITE_ROWS_PER_STATEMENT):
        chunk = rows[start:start + SQLITE_ROWS_PER_STATEMENT]
        params: list = []
        for r, t in zip(chunk, texts[start:start + SQLITE_ROWS_PER_STATEMENT], strict=True):
            params += (r["sensor_id"], t, r["value"])
        sql = SQLITE_INSERT_READINGS.format(",".join(["(?,?,?)"] * len(chunk)))
        stored += conn.exec_driver_sql(sql, tuple(params)).all()
    if len(stored) == len(rows):
        return None
    fresh_text = set(map(tuple, stored))
    return {(r["sensor_id"], r["ts"]) for r, t in zip(rows, texts, strict=True) if (r["sensor_id"], t) in fresh_text}


def sensor_refs(session: Session, *, site_id: str) -> dict[str, SensorRef]:
    rows = session.execute(
        select(Sensor.tag, Sensor.id, Sensor.min_valid, Sensor.max_valid).where(Sensor.site_id == site_id)
    ).all()
    return {tag: SensorRef(id_, lo, hi) for tag, id_, lo, hi in rows}


def store_readings(session: Session, *, rows: list[dict], source: str, now: datetime) -> tuple[int, int]:
    """Stores checked rows {sensor_id, ts, value}; returns (new, duplicates). A reading already stored
    (same sensor and instant) is skipped, so a resent batch or a redelivered MQTT message changes nothing.
    Older readings (a backlog) are stored and re-rolled-up; the latest value only moves forward."""
    if not rows:
        return 0, 0
    conn = session.connection()
    fresh = _insert_readings(conn, rows)
    new = len(rows) if fresh is None else len(fresh)
    if not new:
        return 0, len(rows)
    newest: dict[int, dict] = {}
    hours: set[tuple[int, datetime]] = set()
    span: dict[int, tuple[datetime, datetime]] = {}  # each sensor's last hour seen: most rows fall in it
    by_sensor: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        sid, ts = row["sensor_id"], row["ts"]
        if fresh is not None and (sid, ts) not in fresh:
            continue
        best = newest.get(sid)
        if best is None or ts > best["ts"]:
            newest[sid] = row
        h = span.get(sid)
        if h is None or not h[0] <= ts < h[1]:
            start = hour_start(ts)
            span[sid] = (start, start + HOUR)
            hours.add((sid, start))
        by_sensor[sid].append(row)
    latest = sorted(newest.items())
    marks = sorted(hours)
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(PG_UPSERT_LATEST, (
            source, [sid for sid, _ in latest], [r["ts"] for _, r in latest], [r["value"] for _, r in latest]))
        conn.exec_driver_sql(PG_MARK_DIRTY, ([sid for sid, _ in marks], [h for _, h in marks]))
    else:
        upsert = insert_for(session, LATEST)
        upsert = upsert.on_conflict_do_update(
            index_elements=["sensor_id"],
            set_={"ts": upsert.excluded.ts, "value": upsert.excluded.value, "source": upsert.excluded.source,
                  "stale": False, "stale_reason": None, "stale_at": None},
            where=LATEST.c.ts < upsert.excluded.ts,
        )
        conn.execute(upsert, [{"sensor_id": sid, "ts": r["ts"], "value": r["value"], "source": source,
                               "stale": False} for sid, r in latest])
        dirty = insert_for(session, DIRTY)
        dirty = dirty.on_conflict_do_update(index_elements=["sensor_id", "hour_start"], set_={"claim": None})
        conn.execute(dirty, [{"sensor_id": sid, "hour_start": h, "hour_end": h + HOUR, "claim": None}
                             for sid, h in marks])
    alarms.evaluate_readings(session, by_sensor=by_sensor, now=now)
    safety.on_readings(session, by_sensor=by_sensor, now=now)  # gas detectors' suitable-air alarms
    return new, len(rows) - new


def ingest_batch(
    session: Session, *, principal: Principal, batch_id: uuid.UUID, items: list, now: datetime, settings
) -> dict:
    """A gateway's batch: idempotent on `batch_id`; each bad item is reported by its index and skipped."""
    site_id = principal.place
    if not site_id:
        raise Forbidden("this gateway has no site", code="gateway_without_site")
    if len(items) > settings.max_batch_readings:
        raise Unprocessable(f"at most {settings.max_batch_readings} readings per batch", code="batch_too_large")
    known = _stored_answer(session, batch_id=batch_id, gateway_id=principal.id)
    if known is not None:
        return known
    batch = TelemetryBatch(id=batch_id, gateway_id=principal.id, site_id=site_id, received_at=now)
    try:
        with session.begin_nested():
            session.add(batch)
            session.flush()
    except IntegrityError:
        # the same batch is being stored by a concurrent retry; its answer is the answer
        known = _stored_answer(session, batch_id=batch_id, gateway_id=principal.id)
        if known is None:
            raise Conflict("batch is being stored; retry", code="batch_in_progress") from None
        return known
    rows, errors = check_readings(
        items, sensors=sensor_refs(session, site_id=site_id), now=now,
        max_age_s=settings.backlog_max_age_s, future_skew_s=settings.future_skew_s,
    )
    new, duplicates = store_readings(session, rows=rows, source=f"http:{principal.username or principal.id}",
                                     now=now)
    batch.accepted, batch.duplicates, batch.rejected = new, duplicates, len(errors)
    batch.errors = [e.as_dict() for e in errors[:1000]]
    session.add(batch)
    session.flush()
    return _answer(batch, replayed=False)


def _stored_answer(session: Session, *, batch_id: uuid.UUID, gateway_id: str) -> dict | None:
    batch = session.get(TelemetryBatch, batch_id, populate_existing=True)
    if batch is None:
        return None
    if batch.gateway_id != gateway_id:
        raise Conflict("batch_id was used by another gateway", code="batch_id_reused")
    return _answer(batch, replayed=True)


def _answer(batch: TelemetryBatch, *, replayed: bool) -> dict:
    return {"batch_id": batch.id, "accepted": batch.accepted, "duplicates": batch.duplicates,
            "rejected": batch.rejected, "errors": batch.errors, "replayed": replayed}


def site_sensors(session: Session, *, site_id: str) -> list[Sensor]:
    return list(session.execute(select(Sensor).where(Sensor.site_id == site_id).order_by(Sensor.id)).scalars())


def sparkplug_nodes(session: Session, *, group_id: str | None = None) -> list[SparkplugNode]:
    query = select(SparkplugNode).order_by(SparkplugNode.group_id, SparkplugNode.edge_node_id)
    if group_id:
        query = query.where(SparkplugNode.group_id == group_id)
    return list(session.execute(query).scalars())


def sparkplug_events(session: Session, *, kind: str | None = None, limit: int = 100) -> list[SparkplugEvent]:
    query = select(SparkplugEvent).order_by(SparkplugEvent.id.desc()).limit(limit)
    if kind:
        query = query.where(SparkplugEvent.kind == kind)
    return list(session.execute(query).scalars())


def count_sequence_gaps(session: Session, *, since: datetime) -> int:
    """Sparkplug sequence gaps seen since a moment."""
    return session.execute(select(func.count()).select_from(SparkplugEvent).where(
        SparkplugEvent.kind == "seq_gap", SparkplugEvent.at >= since)).scalar_one()


def count_nodes_offline(session: Session) -> int:
    """Sparkplug nodes that have died and not come back."""
    return session.execute(select(func.count()).select_from(SparkplugNode).where(
        SparkplugNode.online.is_(False), SparkplugNode.deaths > 0)).scalar_one()


def latest_values(session: Session, *, sensor_ids: list[int]) -> dict[int, SensorLatest]:
    if not sensor_ids:
        return {}
    rows = session.execute(select(SensorLatest).where(SensorLatest.sensor_id.in_(sensor_ids))).scalars().all()
    return {r.sensor_id: r for r in rows}


def mark_stale(session: Session, *, source: str, reason: str, now: datetime, include_children: bool) -> int:
    """Marks latest values from a source (a Sparkplug node or device) stale; returns how many."""
    cond = LATEST.c.source == source
    if include_children:
        cond = or_(cond, LATEST.c.source.startswith(source + "/", autoescape=True))
    result = session.connection().execute(
        update(LATEST).where(and_(cond, LATEST.c.stale.is_(False)))
        .values(stale=True, stale_reason=reason, stale_at=now)
    )
    return result.rowcount


def series(
    session: Session, *, sensor_id: int, period: str, start: datetime, end: datetime, limit: int
) -> list[dict]:
    """Raw readings (`period="raw"`) or rollups (minute | hour | day) in [start, end)."""
    if period == "raw":
        rows = session.execute(
            select(READINGS.c.ts, READINGS.c.value)
            .where(READINGS.c.sensor_id == sensor_id, READINGS.c.ts >= start, READINGS.c.ts < end)
            .order_by(READINGS.c.ts).limit(limit)
        ).all()
        return [{"ts": ts, "value": v} for ts, v in rows]
    t = ReadingRollup.__table__
    rows = session.execute(
        select(t).where(t.c.sensor_id == sensor_id, t.c.period == period, t.c.bucket_start >= start,
                        t.c.bucket_start < end).order_by(t.c.bucket_start).limit(limit)
    ).mappings().all()
    return [{"ts": r["bucket_start"], "n": r["n"], "mean": r["total"] / r["n"] if r["n"] else None,
             "total": r["total"], "min": r["min_value"], "max": r["max_value"]} for r in rows]
