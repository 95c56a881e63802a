"""Use cases of alarms: evaluate rules on new readings (and on late backlogs, after the fact), open, escalate
and re-alarm, return to normal, acknowledge, shelve, rule modes, flood counting and the paged list, in the
ISA-18.2 state model of domain.py. Flush only."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from services.common.auth import Principal
from services.common.errors import Conflict, NotFound, Unprocessable
from services.industry.access import can_see_site, check_site
from services.industry.alarms import domain
from services.industry.alarms.models import Alarm, AlarmRule, AlarmRuleState
from services.industry.assets.models import Sensor, Site
from services.industry.telemetry.models import Reading

ALARMS = Alarm.__table__
READINGS = Reading.__table__
CONDITION_TYPES = ("threshold", "duration", "rate_of_change")  # cleared by the data; drift is latched
DUE_LOOKBACK = timedelta(hours=1)  # how far before a batch a waiting (future-stamped) reading is still stepped


def create_rule(session: Session, *, data, principal: Principal) -> AlarmRule:
    sensor = session.get(Sensor, data.sensor_id)
    if sensor is None:
        raise NotFound("no such sensor", code="sensor_not_found")
    site = session.get(Site, sensor.site_id)
    check_site(principal, site_id=site.id, company_id=site.company_id)
    values = data.model_dump()
    if values["deadband"] is None:
        values["deadband"] = (domain.default_deadband(quantity=sensor.quantity, limit=data.limit,
                                                      min_valid=sensor.min_valid, max_valid=sensor.max_valid)
                              if data.kind == "threshold" else 0.0)
    if values["on_delay_s"] is None:
        values["on_delay_s"] = domain.default_on_delay_s(sensor.quantity) if data.kind == "threshold" else 0.0
    values["target"] = 0.0 if values["target"] is None else values["target"]  # unused unless drift
    values["sigma"] = 1.0 if values["sigma"] is None else values["sigma"]
    rule = AlarmRule(**values)
    session.add(rule)
    session.flush()
    return rule


def set_rule_mode(session: Session, *, rule_id: int, mode: str, reason: str, principal: Principal,
                  now: datetime) -> AlarmRule:
    """Puts a rule in service, suppresses it by design, or takes it out of service (ISA-18.2), saying why."""
    rule = session.get(AlarmRule, rule_id)
    if rule is None:
        raise NotFound("no such alarm rule", code="alarm_rule_not_found")
    sensor = session.get(Sensor, rule.sensor_id)
    site = session.get(Site, sensor.site_id)
    check_site(principal, site_id=site.id, company_id=site.company_id)
    rule.mode, rule.mode_reason, rule.mode_by, rule.mode_at = mode, reason, principal.username or principal.id, now
    session.add(rule)
    session.flush()
    return rule


def list_rules(session: Session, *, sensor_id: int | None) -> list[AlarmRule]:
    query = select(AlarmRule).order_by(AlarmRule.id)
    if sensor_id is not None:
        query = query.where(AlarmRule.sensor_id == sensor_id)
    return list(session.execute(query).scalars())


def _as_rule(r: AlarmRule) -> domain.Rule:
    return domain.Rule(id=r.id, kind=r.kind, severity=r.severity, comparison=r.comparison, limit=r.limit,
                       deadband=r.deadband, on_delay_s=r.on_delay_s or 0.0, duration_s=r.duration_s, target=r.target,
                       sigma=r.sigma, params=dict(r.params or {}))


def evaluate_readings(session: Session, *, by_sensor: dict[int, list[dict]], now: datetime,
                      future_tolerance_s: float = 2.0) -> int:
    """Steps every enabled rule (not out of service) of these sensors through their readings after the rule's last
    one, in time order, up to now. A reading stamped ahead of the server's clock waits, stored, until its time has
    come (a gateway clock running fast must not move a rule's clock and blind it to real-time readings); it is
    stepped with the batch that arrives after that. Readings at or before a rule's last one (a late backlog) go
    through `reevaluate_late` once, after the fact. Returns alarms opened."""
    if not by_sensor:
        return 0
    rules = list(session.execute(
        select(AlarmRule).where(AlarmRule.sensor_id.in_(list(by_sensor)), AlarmRule.enabled.is_(True),
                                AlarmRule.mode != "out_of_service")
        .order_by(AlarmRule.id)
    ).scalars())
    if not rules:
        return 0
    states = {s.rule_id: s for s in session.execute(
        select(AlarmRuleState).where(AlarmRuleState.rule_id.in_([r.id for r in rules])).with_for_update()
    ).scalars()}
    opened = 0
    horizon = now + timedelta(seconds=future_tolerance_s)
    rules_by_sensor: dict[int, list[AlarmRule]] = defaultdict(list)
    for r in rules:
        rules_by_sensor[r.sensor_id].append(r)
    for sensor_id, sensor_rules in rules_by_sensor.items():
        sensor = session.get(Sensor, sensor_id)
        current = {}
        for r in sensor_rules:
            row = states.get(r.id)
            if row is None:
                row = AlarmRuleState(rule_id=r.id, stat={})
                session.add(row)
                states[r.id] = row
            current[r.id] = domain.State(active=row.active, since=row.since, last_ts=row.last_ts,
                                         last_value=row.last_value, stat=dict(row.stat or {}))
        batch = by_sensor[sensor_id]
        clocks = [current[r.id].last_ts for r in sensor_rules]
        condition_clocks = [current[r.id].last_ts for r in sensor_rules
                            if domain.alarm_type(r.kind) in CONDITION_TYPES and current[r.id].last_ts is not None]
        late = [x for x in batch if any(x["ts"] <= c for c in condition_clocks)]
        # the readings to step: every stored one after the earliest rule clock up to now, so a reading that was
        # stamped in the future when it came is stepped once its time has come, in order with the others
        low = min((c for c in clocks if c is not None), default=None)
        first = min(x["ts"] for x in batch) - timedelta(microseconds=1)
        if any(c is None for c in clocks):
            low = first if low is None else min(low, first)
        # bounded: a rule back in service after a long pause does not replay its whole pause live
        low = max(low, first - DUE_LOOKBACK)
        due = session.connection().execute(
            select(READINGS.c.ts, READINGS.c.value)
            .where(READINGS.c.sensor_id == sensor_id, READINGS.c.ts > low, READINGS.c.ts <= horizon)
            .order_by(READINGS.c.ts)).all()
        for ts, value in due:
            ts = ts if ts.tzinfo else ts.replace(tzinfo=UTC)
            changed_types: dict[str, list] = defaultdict(list)
            seen_by_rule: dict[int, dict] = {}
            for r in sensor_rules:
                st = current[r.id]
                if st.last_ts is not None and ts <= st.last_ts:
                    continue
                before = st.active
                st, active, seen = domain.step(_as_rule(r), st, ts, value)
                current[r.id] = st
                seen_by_rule[r.id] = seen
                if active != before or seen.get("signal"):
                    changed_types[domain.alarm_type(r.kind)].append((r, active, seen))
            for a_type in changed_types:
                same_type = [r for r in sensor_rules if domain.alarm_type(r.kind) == a_type]
                active_rules = [r for r in same_type if current[r.id].active and r.mode == "in_service"]
                if active_rules:
                    worst = max(active_rules, key=lambda r: domain.severity_rank(r.severity))
                    seen = seen_by_rule.get(worst.id, {"value": value})  # the worst rule's own view, never another's
                    opened += open_alarm(session, sensor=sensor, alarm_type=a_type, rule=worst, value=value,
                                         at=ts, message=_message(worst, seen, sensor))
                else:
                    clear_by_rule(session, sensor_id=sensor_id, alarm_type=a_type, at=ts)
        for r in sensor_rules:
            st, row = current[r.id], states[r.id]
            row.active, row.since, row.last_ts, row.last_value, row.stat = (
                st.active, st.since, st.last_ts, st.last_value, dict(st.stat))
            session.add(row)
        if late:
            opened += reevaluate_late(session, sensor=sensor, rules=sensor_rules, late=late)
    session.flush()
    return opened


def reevaluate_late(session: Session, *, sensor: Sensor, rules: list[AlarmRule], late: list[dict]) -> int:
    """A late backlog, once: the condition rules (threshold, duration, rate of change) run from a fresh state over
    the late readings merged with the stored readings around them (from the longest hold before the first, to the
    first stored reading after the last), and each episode that returned to normal inside that span and overlaps
    no alarm already recorded is recorded after the fact: opened and returned to normal at the readings' own
    times, unacknowledged (`rtn_unack`, late=true), so the operator still sees it. An episode still active at the
    span's end is the live alarm's business. Drift charts are sequential statistics whose false-alarm rate rests
    on in-order data; a backlog is not fed to them. Returns alarms recorded."""
    condition_rules = [r for r in rules if domain.alarm_type(r.kind) in CONDITION_TYPES and r.mode == "in_service"]
    if not condition_rules:
        return 0
    first, last = min(x["ts"] for x in late), max(x["ts"] for x in late)
    hold = max((r.duration_s if r.kind == "duration" else r.on_delay_s or 0.0) for r in condition_rules)
    start = first - timedelta(seconds=hold)
    conn = session.connection()
    before = conn.execute(select(READINGS.c.ts).where(READINGS.c.sensor_id == sensor.id, READINGS.c.ts < start)
                          .order_by(READINGS.c.ts.desc()).limit(1)).scalar()
    after = conn.execute(select(READINGS.c.ts).where(READINGS.c.sensor_id == sensor.id, READINGS.c.ts > last)
                         .order_by(READINGS.c.ts).limit(1)).scalar()
    lo = before if before is not None else start
    q = select(READINGS.c.ts, READINGS.c.value).where(READINGS.c.sensor_id == sensor.id, READINGS.c.ts >= lo)
    if after is not None:
        q = q.where(READINGS.c.ts <= after)
    series = [(ts, v) for ts, v in conn.execute(q.order_by(READINGS.c.ts))]
    recorded = 0
    for ep in domain.episodes([_as_rule(r) for r in condition_rules], series):
        if ep["cleared_at"] is None or ep["cleared_at"] < first:
            continue  # still active at the end (the live alarm's), or wholly before the backlog (already judged)
        overlap = conn.execute(select(func.count()).select_from(ALARMS).where(
            ALARMS.c.sensor_id == sensor.id, ALARMS.c.alarm_type == ep["alarm_type"],
            ALARMS.c.opened_at <= ep["cleared_at"],
            or_(ALARMS.c.cleared_at.is_(None), ALARMS.c.cleared_at >= ep["opened_at"]))).scalar_one()
        if overlap:
            continue
        rule = next(r for r in condition_rules if r.id == ep["rule"].id)
        session.add(Alarm(sensor_id=sensor.id, site_id=sensor.site_id, work_unit_id=sensor.work_unit_id,
                          alarm_type=ep["alarm_type"], rule_id=rule.id, severity=rule.severity, state="rtn_unack",
                          open_slot=None, message=_message(rule, ep["seen"], sensor) + " (late data)",
                          value=ep["value"], opened_at=ep["opened_at"], cleared_at=ep["cleared_at"],
                          cleared_by="rule", late=True))
        recorded += 1
    if recorded:
        session.flush()
    return recorded


def _message(rule: AlarmRule, seen: dict, sensor: Sensor) -> str:
    value = seen.get("value")
    v = f"{value:.4g} {sensor.unit}" if isinstance(value, int | float) else "?"
    if rule.kind == "threshold":
        return f"{sensor.tag} {v} {rule.comparison} {rule.limit:g}"
    if rule.kind == "duration":
        return f"{sensor.tag} {rule.comparison} {rule.limit:g} for {seen.get('held_s', 0):.0f} s (rule {rule.duration_s:g} s)"
    if rule.kind == "rate_of_change":
        return f"{sensor.tag} changing {seen.get('rate_per_min', 0):.4g} {sensor.unit}/min (limit {rule.limit:g})"
    if rule.kind == "ewma" and "ewma" in seen:
        return f"{sensor.tag} drift: EWMA {seen['ewma']:.4g} beyond {rule.target:g} +/- {seen['limit']:.3g}"
    if rule.kind == "cusum" and "cusum_hi" in seen:
        return f"{sensor.tag} drift: CUSUM {max(seen['cusum_hi'], seen['cusum_lo']):.3g} > h={seen['limit']:g}"
    return f"{sensor.tag} drift ({rule.kind.upper()}) at {v}"


def open_alarm(session: Session, *, sensor: Sensor, alarm_type: str, rule: AlarmRule, value: float, at: datetime,
               message: str) -> int:
    """Opens the asset's alarm of this type, or holds the open one. The unique constraint makes a second open
    alarm impossible; returns 1 if a new one was opened. On the held one (ISA-18.2):
    - a worse severity (H -> HH) raises it and re-alarms: acknowledged or shelved, it is unacknowledged again;
    - returned to normal but unacknowledged, a recurrence makes it active and unacknowledged again."""
    alarm = Alarm(sensor_id=sensor.id, site_id=sensor.site_id, work_unit_id=sensor.work_unit_id,
                  alarm_type=alarm_type, rule_id=rule.id, severity=rule.severity, message=message, value=value,
                  opened_at=at)
    try:
        with session.begin_nested():
            session.add(alarm)
            session.flush()
        return 1
    except IntegrityError:
        pass
    held = and_(ALARMS.c.sensor_id == sensor.id, ALARMS.c.alarm_type == alarm_type, ALARMS.c.open_slot == "open")
    conn = session.connection()
    weaker = list(domain.SEVERITIES[: domain.severity_rank(rule.severity)])
    if weaker:
        conn.execute(update(ALARMS).where(held, ALARMS.c.severity.in_(weaker)).values(
            severity=rule.severity, message=message, value=value, rule_id=rule.id, state="open", acked_at=None,
            acked_by=None, escalated_at=at, cleared_at=None, cleared_by=None, shelved_until=None))
    conn.execute(update(ALARMS).where(held, ALARMS.c.state == "rtn_unack").values(
        state="open", cleared_at=None, cleared_by=None, message=message, value=value))
    return 0


def clear_by_rule(session: Session, *, sensor_id: int, alarm_type: str, at: datetime) -> int:
    """The condition is gone: an acknowledged (or shelved) alarm returns to normal and closes; an unacknowledged
    one returns to normal but stays on the list until acknowledged (ISA-18.2 RTN unacknowledged)."""
    if alarm_type == "drift":
        return 0  # drift alarms are latched: cleared by people after a look at the equipment
    conn = session.connection()
    held = and_(ALARMS.c.sensor_id == sensor_id, ALARMS.c.alarm_type == alarm_type, ALARMS.c.open_slot == "open")
    closed = conn.execute(update(ALARMS).where(held, or_(
        ALARMS.c.state == "acknowledged", and_(ALARMS.c.shelved_until.is_not(None), ALARMS.c.shelved_until > at)))
        .values(state="cleared", open_slot=None, cleared_at=at, cleared_by="rule")).rowcount
    returned = conn.execute(update(ALARMS).where(held, ALARMS.c.state == "open")
                            .values(state="rtn_unack", cleared_at=at, cleared_by="rule")).rowcount
    return closed + returned


def condition_active(session: Session, *, sensor_id: int, alarm_type: str) -> bool:
    """Whether any enabled, evaluated rule of this alarm type on the sensor holds its condition now."""
    kinds = [k for k in domain.RULE_KINDS if domain.alarm_type(k) == alarm_type]
    return bool(session.execute(
        select(func.count()).select_from(AlarmRule).join(AlarmRuleState, AlarmRuleState.rule_id == AlarmRule.id)
        .where(AlarmRule.sensor_id == sensor_id, AlarmRule.kind.in_(kinds), AlarmRule.enabled.is_(True),
               AlarmRule.mode != "out_of_service", AlarmRuleState.active.is_(True))).scalar_one())


def _visible_alarm(session: Session, *, alarm_id: int, principal: Principal) -> Alarm:
    alarm = session.get(Alarm, alarm_id)
    if alarm is None:
        raise NotFound("no such alarm", code="alarm_not_found")
    site = session.get(Site, alarm.site_id)
    check_site(principal, site_id=site.id, company_id=site.company_id)
    return alarm


def acknowledge(session: Session, *, alarm_id: int, principal: Principal, now: datetime, note: str) -> Alarm:
    """Unacknowledged -> acknowledged; returned to normal and unacknowledged -> normal (closed)."""
    alarm = _visible_alarm(session, alarm_id=alarm_id, principal=principal)
    who = principal.username or principal.id
    conn = session.connection()
    done = conn.execute(
        update(ALARMS).where(ALARMS.c.id == alarm_id, ALARMS.c.state == "open")
        .values(state="acknowledged", acked_at=now, acked_by=who, note=note or alarm.note)
    ).rowcount
    done += conn.execute(
        update(ALARMS).where(ALARMS.c.id == alarm_id, ALARMS.c.state == "rtn_unack")
        .values(state="cleared", open_slot=None, acked_at=now, acked_by=who, note=note or alarm.note)
    ).rowcount
    session.refresh(alarm)
    if not done and alarm.state == "cleared":
        raise Conflict("alarm is already cleared", code="alarm_cleared")
    return alarm


def clear(session: Session, *, alarm_id: int, principal: Principal, now: datetime, note: str) -> Alarm:
    """A person closes an alarm. Refused while the condition still stands (that would be an unrecorded shelve:
    shelve it instead, with a reason and an end). Drift alarms are latched and are reset this way."""
    alarm = _visible_alarm(session, alarm_id=alarm_id, principal=principal)
    if alarm.open_slot == "open" and alarm.alarm_type in CONDITION_TYPES and condition_active(
            session, sensor_id=alarm.sensor_id, alarm_type=alarm.alarm_type):
        raise Conflict("the condition still stands; shelve the alarm with a reason instead",
                       code="alarm_condition_active")
    who = principal.username or principal.id
    done = session.connection().execute(
        update(ALARMS).where(ALARMS.c.id == alarm_id, ALARMS.c.open_slot == "open")
        .values(state="cleared", open_slot=None, cleared_at=now, cleared_by=who, note=note or alarm.note)
    ).rowcount
    session.refresh(alarm)
    if not done:
        raise Conflict("alarm is already cleared", code="alarm_cleared")
    if alarm.alarm_type == "drift" and alarm.rule_id is not None:
        # after maintenance the drift charts start afresh
        session.connection().execute(
            update(AlarmRuleState.__table__)
            .where(AlarmRuleState.__table__.c.rule_id.in_(
                select(AlarmRule.id).where(AlarmRule.sensor_id == alarm.sensor_id,
                                           AlarmRule.kind.in_(("ewma", "cusum")))))
            .values(active=False, stat={})
        )
    return alarm


def shelve(session: Session, *, alarm_id: int, principal: Principal, now: datetime, reason: str,
           minutes: int) -> Alarm:
    """Takes an alarm off the operator's list for a limited time, recording who, why and until when."""
    alarm = _visible_alarm(session, alarm_id=alarm_id, principal=principal)
    if alarm.open_slot != "open":
        raise Conflict("alarm is already cleared", code="alarm_cleared")
    if minutes * 60 > domain.MAX_SHELVE.total_seconds():
        raise Unprocessable("shelving is limited to 12 hours", code="shelve_too_long")
    alarm.shelved_at, alarm.shelved_until = now, now + timedelta(minutes=minutes)
    alarm.shelved_by, alarm.shelved_reason = principal.username or principal.id, reason
    session.add(alarm)
    session.flush()
    return alarm


def unshelve(session: Session, *, alarm_id: int, principal: Principal, now: datetime) -> Alarm:
    alarm = _visible_alarm(session, alarm_id=alarm_id, principal=principal)
    if alarm.shelved_until is not None and alarm.shelved_until > now:
        alarm.shelved_until = now
        session.add(alarm)
        session.flush()
    return alarm


def _visible_site_ids(session: Session, principal: Principal) -> list[str]:
    return [s.id for s in session.execute(select(Site)).scalars()
            if can_see_site(principal, site_id=s.id, company_id=s.company_id)]


def count_open_by_severity(session: Session) -> dict[str, int]:
    """Open alarms per severity, every site (the officials' overview)."""
    return dict(session.execute(select(Alarm.severity, func.count()).where(Alarm.open_slot == "open")
                                .group_by(Alarm.severity)).all())


def rule_modes(session: Session, *, rule_ids: set[int]) -> dict[int, str]:
    if not rule_ids:
        return {}
    return dict(session.execute(select(AlarmRule.id, AlarmRule.mode).where(AlarmRule.id.in_(rule_ids))).all())


def as_read(alarm: Alarm, *, modes: dict[int, str], now: datetime) -> dict:
    return {**alarm.model_dump(), "isa_state": domain.isa_state(
        stored=alarm.state, shelved_until=alarm.shelved_until, rule_mode=modes.get(alarm.rule_id), now=now)}


def flood_report(session: Session, *, principal: Principal, site_id: str, start: datetime, end: datetime) -> dict:
    """Annunciated alarms of one site's console per 10 minutes (ISA-18.2 performance counts); late (after the
    fact) alarms were never annunciated live and are not counted."""
    site = session.get(Site, site_id)
    if site is None:
        raise NotFound("no such site", code="site_not_found")
    check_site(principal, site_id=site.id, company_id=site.company_id)
    opened = list(session.execute(select(ALARMS.c.opened_at).where(
        ALARMS.c.site_id == site_id, ALARMS.c.late.is_(False), ALARMS.c.opened_at >= start,
        ALARMS.c.opened_at < end)).scalars())
    intervals = domain.flood_intervals(opened, start=start, end=end)
    counts = [i["alarms"] for i in intervals]
    return {"site_id": site_id, "start": start, "end": end, "intervals": intervals,
            "flood_intervals": sum(i["flood"] for i in intervals), "max_in_10_min": max(counts, default=0),
            "average_per_10_min": sum(counts) / len(counts) if counts else 0.0,
            "target": {k: (str(v) if isinstance(v, timedelta) else v) for k, v in domain.FLOOD.items()}}


def list_alarms(session: Session, *, principal: Principal, state: str | None, site_id: str | None,
                limit: int, offset: int = 0, order: str = "priority", include_shelved: bool = True,
                now: datetime | None = None) -> list[Alarm]:
    """A page of the alarms the caller may see: by priority (critical first, then newest) or by time."""
    visible = _visible_site_ids(session, principal)
    query = select(Alarm).where(Alarm.site_id.in_(visible))
    if order == "priority":
        rank = case({"critical": 3, "warning": 2, "info": 1}, value=Alarm.severity, else_=0)
        query = query.order_by(rank.desc(), Alarm.opened_at.desc(), Alarm.id.desc())
    else:
        query = query.order_by(Alarm.opened_at.desc(), Alarm.id.desc())
    if state == "active":
        query = query.where(Alarm.open_slot == "open")
    elif state:
        query = query.where(Alarm.state == state)
    if site_id:
        query = query.where(Alarm.site_id == site_id)
    if not include_shelved and now is not None:
        query = query.where(or_(Alarm.shelved_until.is_(None), Alarm.shelved_until <= now))
    return list(session.execute(query.offset(offset).limit(limit)).scalars())
