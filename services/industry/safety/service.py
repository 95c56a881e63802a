"""Use cases of gas safety: site settings, detectors, evaluating readings into safety alarms, detector faults,
the escalation outbox. Flush only; the request (or the job) commits."""

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from services.common.auth import Principal
from services.common.errors import Conflict, NotFound, Unprocessable
from services.common.notify import next_attempt_at
from services.industry.access import can_see_site
from services.industry.assets.models import Sensor, Site
from services.industry.assets.service import visible_on_site, visible_site, visible_work_unit
from services.industry.safety import domain, rules
from services.industry.safety.models import (
    DetectorChannel,
    GasDetector,
    SafetyAlarm,
    SafetyOutbox,
    SafetySite,
)
from services.industry.telemetry.models import SensorLatest

ALARMS = SafetyAlarm.__table__


def site_limits(session: Session, *, site_id: str) -> dict[str, dict]:
    cfg = session.get(SafetySite, site_id)
    return domain.effective_limits(cfg.gas_limits if cfg else None, cfg.gas_limits_source if cfg else "")


def upsert_site(session: Session, *, site_id: str, data, principal: Principal) -> SafetySite:
    visible_site(session, site_id=site_id, principal=principal)
    for gas, lim in data.gas_limits.items():
        if gas not in rules.GASES:
            raise Unprocessable(f"unknown gas {gas!r}", code="unknown_gas")
        if set(lim) - {"low", "high"}:
            raise Unprocessable("a gas limit has only low and high", code="bad_gas_limit")
    if data.gas_limits and not data.gas_limits_source.strip():
        raise Unprocessable("a site's own gas limits name their source document", code="limit_source_required")
    cfg = session.get(SafetySite, site_id) or SafetySite(site_id=site_id)
    cfg.manager_name, cfg.manager_email = data.manager_name, data.manager_email
    cfg.gas_limits, cfg.gas_limits_source = data.gas_limits, data.gas_limits_source
    session.add(cfg)
    session.flush()
    return cfg


def register_detector(session: Session, *, data, principal: Principal, now: datetime) -> GasDetector:
    """A detector and one sensor per channel (tag `<detector>.<gas>`), so gateways send its readings as telemetry."""
    unit = visible_work_unit(session, work_unit_id=data.work_unit_id, principal=principal)
    bad = [g for g in data.gases if g not in rules.GASES]
    if bad or not data.gases:
        raise Unprocessable(f"gases must be among {', '.join(rules.GASES)}", code="unknown_gas")
    det = GasDetector(id=data.id, site_id=unit.site_id, work_unit_id=unit.id, space=data.space, kind=data.kind,
                      stale_after_s=data.stale_after_s, bump_interval_h=data.bump_interval_h,
                      last_bump_at=data.last_bump_at, registered_at=now)
    try:
        with session.begin_nested():
            session.add(det)
            session.flush()
            for gas in [*data.gases, rules.STATUS_CHANNEL]:
                lim = rules.LEGAL_GAS_LIMITS.get(gas)
                sensor = Sensor(site_id=unit.site_id, work_unit_id=unit.id, tag=f"{data.id}.{gas}",
                                quantity=f"gas_{gas}" if lim else "detector_status", unit=lim.unit if lim else "bits",
                                min_valid=lim.plausible[0] if lim else 0, max_valid=lim.plausible[1] if lim else 65535)
                session.add(sensor)
                session.flush()
                session.add(DetectorChannel(sensor_id=sensor.id, detector_id=det.id, gas=gas))
            session.flush()
    except IntegrityError:
        raise Conflict("detector or one of its sensor tags already exists", code="detector_exists") from None
    return det


def record_bump_test(session: Session, *, detector_id: str, principal: Principal, at: datetime, passed: bool,
                     now: datetime) -> GasDetector:
    det = visible_detector(session, detector_id=detector_id, principal=principal)
    if at > now:
        raise Unprocessable("a bump test cannot be in the future", code="future_timestamp")
    if passed and (det.last_bump_at is None or at > det.last_bump_at):
        det.last_bump_at = at
        session.add(det)
        _clear(session, detector_id=det.id, cause="bump_overdue", at=now, by="bump_test")
    session.flush()
    return det


def detector_tags(session: Session, det: GasDetector) -> list[str]:
    """The telemetry tags of a detector's channels (`<id>.<gas>`, `<id>.status`)."""
    return list(session.execute(select(Sensor.tag).where(
        Sensor.tag.startswith(f"{det.id}."), Sensor.site_id == det.site_id).order_by(Sensor.tag)).scalars())


def list_detectors(session: Session, *, principal: Principal, site_id: str | None = None) -> list[GasDetector]:
    """The detectors of the sites the caller may see."""
    query = select(GasDetector).order_by(GasDetector.id)
    if site_id:
        query = query.where(GasDetector.site_id == site_id)
    sites = {s.id: s for s in session.execute(select(Site)).scalars()}
    return [d for d in session.execute(query).scalars()
            if can_see_site(principal, site_id=d.site_id, company_id=sites[d.site_id].company_id)]


def report_sites(session: Session) -> list[Site]:
    """Every site a near miss can be reported at (the phone page shows ids and names only)."""
    return list(session.execute(select(Site).order_by(Site.id)).scalars())


def visible_detector(session: Session, *, detector_id: str, principal: Principal) -> GasDetector:
    return visible_on_site(session, GasDetector, detector_id, principal=principal, what="detector",
                           code="detector_not_found")


# --- alarms --------------------------------------------------------------------------------------------------

def _open(session: Session, *, det: GasDetector, kind: str, cause: str, severity: str, message: str,
          value: float | None, at: datetime) -> SafetyAlarm | None:
    """Opens the detector's alarm of this cause, or keeps the open one (its peak updated); returns the new one."""
    alarm = SafetyAlarm(detector_id=det.id, site_id=det.site_id, space=det.space, kind=kind, cause=cause,
                        severity=severity, message=message, value=value, peak_value=value, opened_at=at)
    try:
        with session.begin_nested():
            session.add(alarm)
            session.flush()
    except IntegrityError:
        if value is not None:
            current = session.execute(select(SafetyAlarm).where(
                SafetyAlarm.detector_id == det.id, SafetyAlarm.cause == cause, SafetyAlarm.open_slot == "open")
            ).scalars().first()
            if current is not None:
                current.value = value
                worse = (current.peak_value is None or (value < current.peak_value if cause == "gas:o2:low"
                                                        else value > current.peak_value))
                if worse:
                    current.peak_value, current.message = value, message
                session.add(current)
        return None
    _escalate(session, alarm=alarm, now=at)
    return alarm


def _escalate(session: Session, *, alarm: SafetyAlarm, now: datetime) -> None:
    """Writes the safety manager's message into the outbox in the alarm's own transaction (sent by a job)."""
    cfg = session.get(SafetySite, alarm.site_id)
    if cfg is None or not cfg.manager_email:
        return
    site = session.get(Site, alarm.site_id)
    subject = f"[안전 경보] {site.name_ko or site.name} {alarm.space}: {alarm.message}"[:200]
    body = (f"{cfg.manager_name or '안전관리자'}님, 안전 경보가 열렸어요.\n\n"
            f"사업장: {site.name_ko or site.name} ({site.id})\n장소: {alarm.space}\n감지기: {alarm.detector_id}\n"
            f"내용: {alarm.message}\n시각(UTC): {alarm.opened_at.isoformat()}\n경보 번호: {alarm.id}\n\n"
            "작업자를 대피시키고 환기한 뒤 다시 측정해 주세요.")
    session.add(SafetyOutbox(alarm_id=alarm.id, event="opened", recipient=cfg.manager_email, subject=subject,
                             body=body, next_attempt_at=now, created_at=now))
    alarm.escalated_at = now
    session.add(alarm)
    session.flush()


def _clear(session: Session, *, detector_id: str, cause: str, at: datetime, by: str) -> int:
    return session.connection().execute(
        update(ALARMS).where(ALARMS.c.detector_id == detector_id, ALARMS.c.cause == cause,
                             ALARMS.c.open_slot == "open")
        .values(state="cleared", open_slot=None, cleared_at=at, cleared_by=by)
    ).rowcount


def _clear_like(session: Session, *, detector_id: str, prefix: str, keep: str | None, at: datetime) -> None:
    session.connection().execute(
        update(ALARMS).where(ALARMS.c.detector_id == detector_id, ALARMS.c.cause.startswith(prefix),
                             ALARMS.c.cause != (keep or ""), ALARMS.c.open_slot == "open")
        .values(state="cleared", open_slot=None, cleared_at=at, cleared_by="rule")
    )


def on_readings(session: Session, *, by_sensor: dict[int, list[dict]], now: datetime) -> int:
    """The ingest hook: new readings of detector channels, in time order, open and clear safety alarms.
    A reading older than the newest one already evaluated (a late backlog) is stored but not evaluated."""
    if not by_sensor:
        return 0
    channels = list(session.execute(select(DetectorChannel).where(
        DetectorChannel.sensor_id.in_(list(by_sensor))).with_for_update()).scalars())
    opened = 0
    limits_by_site: dict[str, dict] = {}
    for ch in channels:
        det = session.get(GasDetector, ch.detector_id)
        limits = limits_by_site.get(det.site_id)
        if limits is None:
            limits = limits_by_site[det.site_id] = site_limits(session, site_id=det.site_id)
        fresh = sorted((r for r in by_sensor[ch.sensor_id] if ch.last_ts is None or r["ts"] > ch.last_ts),
                       key=lambda r: r["ts"])
        if not fresh:
            continue
        for reading in fresh:
            ts, value = reading["ts"], float(reading["value"])
            if ch.gas == rules.STATUS_CHANNEL:
                flags = domain.error_flags(value)
                if flags:
                    opened += _open(session, det=det, kind="sensor_error", cause="sensor_error", severity="warning",
                                    message=f"감지기 오류: {', '.join(flags)}", value=value, at=ts) is not None
                else:
                    _clear(session, detector_id=det.id, cause="sensor_error", at=ts, by="rule")
                continue
            side = domain.gas_breach(ch.gas, value, limits)
            cause = f"gas:{ch.gas}:{side}" if side else None
            _clear_like(session, detector_id=det.id, prefix=f"gas:{ch.gas}:", keep=cause, at=ts)
            if side:
                lim = limits[ch.gas]
                bound = lim["low"] if side == "low" else lim["high"]
                word = "미만" if side == "low" else "이상"
                message = f"{lim['label_ko']} {value:g} {lim['unit']} ({bound:g} {lim['unit']} {word})"
                opened += _open(session, det=det, kind="gas", cause=cause, severity="critical", message=message,
                                value=value, at=ts) is not None
        ch.last_ts, ch.last_value = fresh[-1]["ts"], float(fresh[-1]["value"])
        session.add(ch)
        # data again: the detector is no longer stale
        for cause in ("stale", "no_data"):
            _clear(session, detector_id=det.id, cause=cause, at=fresh[-1]["ts"], by="rule")
    session.flush()
    return opened


def check_detectors(session: Session, *, now: datetime) -> dict:
    """Detector faults that come from time passing: no data, stale (incl. a dead Sparkplug node), bump test
    overdue. Opens the missing alarms, clears those no longer true."""
    opened = cleared = 0
    for det in session.execute(select(GasDetector).order_by(GasDetector.id)).scalars():
        sensor_ids = [c.sensor_id for c in session.execute(
            select(DetectorChannel).where(DetectorChannel.detector_id == det.id)).scalars()]
        latest = list(session.execute(select(SensorLatest).where(SensorLatest.sensor_id.in_(sensor_ids))).scalars())
        view = domain.DetectorView(
            last_ts=max((r.ts for r in latest), default=None),
            node_stale=bool(latest) and all(r.stale for r in latest),
            last_bump_at=det.last_bump_at, bump_interval_h=det.bump_interval_h,
            stale_after_s=det.stale_after_s, registered_at=det.registered_at)
        faults = domain.detector_faults(view, now)
        for cause in ("no_data", "stale", "bump_overdue"):
            if cause in faults:
                opened += _open(session, det=det, kind=cause, cause=cause, severity="warning",
                                message=faults[cause], value=None, at=now) is not None
            else:
                cleared += _clear(session, detector_id=det.id, cause=cause, at=now, by="rule")
    session.flush()
    return {"opened": opened, "cleared": cleared}


def list_alarms(session: Session, *, principal: Principal, active: bool, site_id: str | None,
                limit: int) -> list[SafetyAlarm]:
    """Open alarms first (critical before warning, newest first), then the rest."""
    query = select(SafetyAlarm)
    if active:
        query = query.where(SafetyAlarm.open_slot == "open")
    if site_id:
        query = query.where(SafetyAlarm.site_id == site_id)
    query = query.order_by(SafetyAlarm.open_slot.is_(None), SafetyAlarm.severity != "critical",
                           SafetyAlarm.opened_at.desc(), SafetyAlarm.id.desc()).limit(limit)
    sites = {s.id: s for s in session.execute(select(Site)).scalars()}
    return [a for a in session.execute(query).scalars()
            if can_see_site(principal, site_id=a.site_id, company_id=sites[a.site_id].company_id)]


def acknowledge(session: Session, *, alarm_id: int, principal: Principal, now: datetime) -> SafetyAlarm:
    alarm = session.get(SafetyAlarm, alarm_id)
    if alarm is None:
        raise NotFound("no such safety alarm", code="safety_alarm_not_found")
    visible_site(session, site_id=alarm.site_id, principal=principal)
    done = session.connection().execute(
        update(ALARMS).where(ALARMS.c.id == alarm_id, ALARMS.c.state == "open")
        .values(state="acknowledged", acked_at=now, acked_by=principal.username or principal.id)).rowcount
    session.refresh(alarm)
    if not done and alarm.state == "cleared":
        raise Conflict("alarm is already cleared", code="alarm_cleared")
    return alarm


def live_gas(session: Session, *, detector_id: str) -> list[dict]:
    """The latest value of each gas of a detector beside its limits and whether it is suitable now."""
    det = session.get(GasDetector, detector_id)
    limits = site_limits(session, site_id=det.site_id)
    channels = list(session.execute(select(DetectorChannel).where(DetectorChannel.detector_id == det.id)
                                    .order_by(DetectorChannel.gas)).scalars())
    latest = {r.sensor_id: r for r in session.execute(select(SensorLatest).where(
        SensorLatest.sensor_id.in_([c.sensor_id for c in channels]))).scalars()}
    out = []
    for ch in channels:
        if ch.gas == rules.STATUS_CHANNEL:
            continue
        row, lim = latest.get(ch.sensor_id), limits[ch.gas]
        breach = domain.gas_breach(ch.gas, row.value, limits) if row else None
        out.append({"gas": ch.gas, "label_ko": lim["label_ko"], "unit": lim["unit"], "low": lim["low"],
                    "high": lim["high"], "value": row.value if row else None, "ts": row.ts if row else None,
                    "stale": row.stale if row else None, "breach": breach,
                    "status": "no_data" if row is None else "stale" if row.stale else breach or "ok"})
    return out


# --- outbox --------------------------------------------------------------------------------------------------

def claim_due(session: Session, *, now: datetime, limit: int = 50) -> list[SafetyOutbox]:
    query = (select(SafetyOutbox).where(SafetyOutbox.status == "pending", SafetyOutbox.next_attempt_at <= now)
             .order_by(SafetyOutbox.id).limit(limit))
    return list(session.execute(query).scalars())


def claim_one(session: Session, *, row_id: int, now: datetime) -> SafetyOutbox | None:
    """The message locked for sending (PostgreSQL: skipped if another worker holds it), or None if not due."""
    query = select(SafetyOutbox).where(SafetyOutbox.id == row_id, SafetyOutbox.status == "pending",
                                       SafetyOutbox.next_attempt_at <= now)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return session.execute(query).scalars().first()


def mark_handover(session: Session, *, row: SafetyOutbox, now: datetime) -> None:
    """Recorded (and committed by the caller) just before the SMTP DATA command: a row left in `handover` by a
    crash may have been delivered, so it is not sent again without a person looking at it."""
    row.status, row.attempts = "handover", row.attempts + 1
    row.next_attempt_at = now
    session.add(row)
    session.flush()


def mark_result(session: Session, *, row: SafetyOutbox, error: str | None, retryable: bool, now: datetime) -> None:
    if row.status != "handover":
        row.attempts += 1  # failed before the hand-over
    if error is None:
        row.status, row.sent_at, row.last_error = "sent", now, None
    else:
        row.last_error = error[:300]
        retry_at = next_attempt_at(now, row.attempts, max_attempts=rules.OUTBOX_MAX_ATTEMPTS, **rules.OUTBOX_BACKOFF)
        if retryable and retry_at is not None:
            row.status, row.next_attempt_at = "pending", retry_at
        else:
            row.status = "failed"
    session.add(row)
    session.flush()
