"""Use cases of air quality: hourly readings, grades, watch/warning states, WHO comparison. Flush only."""

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from services.common.auth import Principal
from services.common.db import insert_for
from services.common.errors import Forbidden, NotFound
from services.industry.air import domain
from services.industry.air.models import AirAlert, AirMonitor, AirReading
from services.industry.assets.service import get_site
from services.industry.timeutil import local_day

READINGS = AirReading.__table__


def create_monitor(session: Session, *, data) -> AirMonitor:
    get_site(session, site_id=data.site_id)
    if session.get(AirMonitor, data.id) is not None:
        from services.common.errors import Conflict

        raise Conflict("monitor exists", code="monitor_exists")
    monitor = AirMonitor(**data.model_dump())
    session.add(monitor)
    session.flush()
    return monitor


def check_readings(session: Session, indexed: list, *, principal: Principal, now: datetime,
                   future_skew_s: int) -> tuple[list, list[dict]]:
    """Of (index, AirReadingIn) pairs, the readings to store and an error per refused one (by its index): a
    monitor that does not exist, one of another site than the device's, an hour ahead of the server's clock."""
    ids = {r.monitor_id for _, r in indexed}
    monitors = {m.id: m for m in session.execute(select(AirMonitor).where(AirMonitor.id.in_(ids))).scalars()}
    newest = now + timedelta(seconds=future_skew_s)
    good, errors = [], []
    for index, r in indexed:
        monitor = monitors.get(r.monitor_id)
        if monitor is None:
            errors.append({"index": index, "code": "monitor_not_found", "detail": f"no monitor {r.monitor_id}"})
        elif principal.kind == "device" and principal.place != monitor.site_id:
            errors.append({"index": index, "code": "wrong_place", "detail": "monitor of another site"})
        elif r.ts > newest:
            errors.append({"index": index, "code": "timestamp_in_future",
                           "detail": f"{r.ts.isoformat()} is ahead of the server by more than {future_skew_s} s"})
        else:
            good.append(r)
    return good, errors


def ingest(session: Session, *, readings, principal: Principal, now: datetime) -> dict:
    """Stores hourly means (a resend of an hour is skipped) and steps each alert state machine in time order."""
    monitors = {m.id: m for m in session.execute(
        select(AirMonitor).where(AirMonitor.id.in_({r.monitor_id for r in readings}))).scalars()}
    for r in readings:
        monitor = monitors.get(r.monitor_id)
        if monitor is None:
            raise NotFound(f"no monitor {r.monitor_id}", code="monitor_not_found")
        if principal.kind == "device" and principal.place != monitor.site_id:
            raise Forbidden("monitor of another site", code="wrong_place")
    rows = [{"monitor_id": r.monitor_id, "ts": r.ts, "pm10": r.pm10, "pm25": r.pm25} for r in readings]
    stmt = insert_for(session, READINGS).on_conflict_do_nothing(index_elements=["monitor_id", "ts"])
    stored = session.connection().execute(stmt.returning(READINGS.c.monitor_id, READINGS.c.ts), rows).all()
    fresh = {(m, t) for m, t in stored}
    changes = 0
    for monitor_id in sorted({m for m, _ in fresh}):
        new = sorted((r for r in readings if r.monitor_id == monitor_id and (r.monitor_id, r.ts) in fresh),
                     key=lambda r: r.ts)
        for pollutant in ("pm10", "pm25"):
            row = session.get(AirAlert, (monitor_id, pollutant), with_for_update=True) or AirAlert(
                monitor_id=monitor_id, pollutant=pollutant)
            state = domain.AlertState(row.level, row.watch_since, row.warning_since, row.last_ts)
            values = [(r.ts, getattr(r, pollutant)) for r in new if getattr(r, pollutant) is not None]
            if state.last_ts is not None and any(ts <= state.last_ts for ts, _ in values):
                # a late hour: the state machine runs again from the start over every stored hour, once
                col = getattr(READINGS.c, pollutant)
                series = [(ts, v) for ts, v in session.execute(
                    select(READINGS.c.ts, col).where(READINGS.c.monitor_id == monitor_id, col.is_not(None))
                    .order_by(READINGS.c.ts))]
                before = state.level
                state, _, changed_at = domain.replay(pollutant, series)
                if state.level != before:
                    row.changed_at = changed_at
                    changes += 1
            else:
                for ts, value in values:
                    before = state.level
                    state = domain.alert_step(pollutant, state, ts, value)
                    if state.level != before:
                        row.changed_at = ts
                        changes += 1
            row.level, row.watch_since, row.warning_since, row.last_ts = (
                state.level, state.watch_since, state.warning_since, state.last_ts)
            session.add(row)
    session.flush()
    return {"stored": len(fresh), "duplicates": len(rows) - len(fresh), "alert_changes": changes}


def monitors_with_latest(session: Session) -> list[dict]:
    monitors = list(session.execute(select(AirMonitor).order_by(AirMonitor.id)).scalars())
    latest_ts = dict(session.execute(
        select(READINGS.c.monitor_id, func.max(READINGS.c.ts)).group_by(READINGS.c.monitor_id)).all())
    alerts = {(a.monitor_id, a.pollutant): a.level for a in session.execute(select(AirAlert)).scalars()}
    out = []
    for m in monitors:
        item = {**m.model_dump(), "pm10_alert": alerts.get((m.id, "pm10"), "none"),
                "pm25_alert": alerts.get((m.id, "pm25"), "none")}
        ts = latest_ts.get(m.id)
        if ts is not None:
            reading = session.get(AirReading, (m.id, ts))
            g = domain.worse_grade(reading.pm10, reading.pm25)
            item.update(latest_ts=ts, pm10=reading.pm10, pm25=reading.pm25,
                        pm10_grade=domain.grade("pm10", reading.pm10), pm25_grade=domain.grade("pm25", reading.pm25),
                        grade=g, grade_ko=domain.GRADE_KO.get(g))
        out.append(item)
    return out


def who_report(session: Session, *, monitor_id: str, days: int, now: datetime, tz: str) -> dict:
    monitor = session.get(AirMonitor, monitor_id)
    if monitor is None:
        raise NotFound("no such monitor", code="monitor_not_found")
    rows = session.execute(select(AirReading).where(AirReading.monitor_id == monitor_id,
                                                    AirReading.ts >= now - timedelta(days=days))).scalars()
    by_day: dict = defaultdict(lambda: {"pm10": [], "pm25": []})
    for r in rows:
        day = local_day(r.ts - timedelta(minutes=30), tz)  # an hour ending at midnight belongs to the day before
        for p in ("pm10", "pm25"):
            if getattr(r, p) is not None:
                by_day[day][p].append(getattr(r, p))
    # WHO 24-hour means: only days with at least 18 of 24 hours (75 %) count
    result = {"monitor_id": monitor_id, "days": days}
    for p in ("pm25", "pm10"):
        means = [sum(v[p]) / len(v[p]) for v in by_day.values() if len(v[p]) >= 18]
        result[p] = domain.who_comparison(p, daily_means=means)
    return result


def alert_counts(session: Session) -> dict[str, int]:
    counts = {"watch": 0, "warning": 0}
    for level, n in session.execute(select(AirAlert.level, func.count()).group_by(AirAlert.level)):
        if level in counts:
            counts[level] = n
    return counts
