"""Use cases of alarms: evaluate rules on new readings, open/escalate/clear, acknowledge. Flush only."""

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from services.common.auth import Principal
from services.common.errors import Conflict, NotFound
from services.industry.access import can_see_site, check_site
from services.industry.alarms import domain
from services.industry.alarms.models import Alarm, AlarmRule, AlarmRuleState
from services.industry.assets.models import Sensor, Site

ALARMS = Alarm.__table__


def create_rule(session: Session, *, data, principal: Principal) -> AlarmRule:
    sensor = session.get(Sensor, data.sensor_id)
    if sensor is None:
        raise NotFound("no such sensor", code="sensor_not_found")
    site = session.get(Site, sensor.site_id)
    check_site(principal, site_id=site.id, company_id=site.company_id)
    rule = AlarmRule(**data.model_dump())
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
                       deadband=r.deadband, duration_s=r.duration_s, target=r.target, sigma=r.sigma,
                       params=dict(r.params or {}))


def evaluate_readings(session: Session, *, by_sensor: dict[int, list[dict]], now: datetime) -> int:
    """Steps every enabled rule of these sensors through their new readings, in time order. Readings older
    than a rule's last one (a late backlog) are stored but do not rewind the rule. Returns alarms opened."""
    if not by_sensor:
        return 0
    rules = list(session.execute(
        select(AlarmRule).where(AlarmRule.sensor_id.in_(list(by_sensor)), AlarmRule.enabled.is_(True))
        .order_by(AlarmRule.id)
    ).scalars())
    if not rules:
        return 0
    states = {s.rule_id: s for s in session.execute(
        select(AlarmRuleState).where(AlarmRuleState.rule_id.in_([r.id for r in rules])).with_for_update()
    ).scalars()}
    opened = 0
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
        for reading in sorted(by_sensor[sensor_id], key=lambda x: x["ts"]):
            ts, value = reading["ts"], reading["value"]
            changed_types: dict[str, list] = defaultdict(list)
            for r in sensor_rules:
                st = current[r.id]
                if st.last_ts is not None and ts <= st.last_ts:
                    continue
                before = st.active
                st, active, seen = domain.step(_as_rule(r), st, ts, value)
                current[r.id] = st
                if active != before or seen.get("signal"):
                    changed_types[domain.alarm_type(r.kind)].append((r, active, seen))
            for a_type, changes in changed_types.items():
                same_type = [r for r in sensor_rules if domain.alarm_type(r.kind) == a_type]
                active_rules = [r for r in same_type if current[r.id].active]
                if active_rules:
                    worst = max(active_rules, key=lambda r: domain.severity_rank(r.severity))
                    seen = next((s for r, a, s in changes if a), changes[0][2])
                    opened += open_alarm(session, sensor=sensor, alarm_type=a_type, rule=worst, value=value,
                                         at=ts, message=_message(worst, seen, sensor))
                else:
                    clear_by_rule(session, sensor_id=sensor_id, alarm_type=a_type, at=ts)
        for r in sensor_rules:
            st, row = current[r.id], states[r.id]
            row.active, row.since, row.last_ts, row.last_value, row.stat = (
                st.active, st.since, st.last_ts, st.last_value, dict(st.stat))
            session.add(row)
    session.flush()
    return opened


def _message(rule: AlarmRule, seen: dict, sensor: Sensor) -> str:
    v = f"{seen['value']:.4g} {sensor.unit}"
    if rule.kind == "threshold":
        return f"{sensor.tag} {v} {rule.comparison} {rule.limit:g}"
    if rule.kind == "duration":
        return f"{sensor.tag} {rule.comparison} {rule.limit:g} for {seen.get('held_s', 0):.0f} s (rule {rule.duration_s:g} s)"
    if rule.kind == "rate_of_change":
        return f"{sensor.tag} changing {seen.get('rate_per_min', 0):.4g} {sensor.unit}/min (limit {rule.limit:g})"
    if rule.kind == "ewma":
        return f"{sensor.tag} drift: EWMA {seen['ewma']:.4g} beyond {rule.target:g} +/- {seen['limit']:.3g}"
    return f"{sensor.tag} drift: CUSUM {max(seen['cusum_hi'], seen['cusum_lo']):.3g} > h={seen['limit']:g}"


def open_alarm(session: Session, *, sensor: Sensor, alarm_type: str, rule: AlarmRule, value: float, at: datetime,
               message: str) -> int:
    """Opens the asset's alarm of this type, or holds the open one (raising its severity if the new cause is
    worse). The unique constraint makes a second open alarm impossible; returns 1 if a new one was opened."""
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
    for weaker in domain.SEVERITIES[: domain.severity_rank(rule.severity)]:
        session.connection().execute(
            update(ALARMS).where(ALARMS.c.sensor_id == sensor.id, ALARMS.c.alarm_type == alarm_type,
                                 ALARMS.c.open_slot == "open", ALARMS.c.severity == weaker)
            .values(severity=rule.severity, message=message, value=value, rule_id=rule.id)
        )
    return 0


def clear_by_rule(session: Session, *, sensor_id: int, alarm_type: str, at: datetime) -> int:
    if alarm_type == "drift":
        return 0  # drift alarms are cleared by people after a look at the equipment
    return session.connection().execute(
        update(ALARMS).where(ALARMS.c.sensor_id == sensor_id, ALARMS.c.alarm_type == alarm_type,
                             ALARMS.c.open_slot == "open")
        .values(state="cleared", open_slot=None, cleared_at=at, cleared_by="rule")
    ).rowcount


def _visible_alarm(session: Session, *, alarm_id: int, principal: Principal) -> Alarm:
    alarm = session.get(Alarm, alarm_id)
    if alarm is None:
        raise NotFound("no such alarm", code="alarm_not_found")
    site = session.get(Site, alarm.site_id)
    check_site(principal, site_id=site.id, company_id=site.company_id)
    return alarm


def acknowledge(session: Session, *, alarm_id: int, principal: Principal, now: datetime, note: str) -> Alarm:
    alarm = _visible_alarm(session, alarm_id=alarm_id, principal=principal)
    who = principal.username or principal.id
    done = session.connection().execute(
        update(ALARMS).where(ALARMS.c.id == alarm_id, ALARMS.c.state == "open")
        .values(state="acknowledged", acked_at=now, acked_by=who, note=note or alarm.note)
    ).rowcount
    session.refresh(alarm)
    if not done and alarm.state == "cleared":
        raise Conflict("alarm is already cleared", code="alarm_cleared")
    return alarm


def clear(session: Session, *, alarm_id: int, principal: Principal, now: datetime, note: str) -> Alarm:
    alarm = _visible_alarm(session, alarm_id=alarm_id, principal=principal)
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


def list_alarms(session: Session, *, principal: Principal, state: str | None, site_id: str | None,
                limit: int) -> list[Alarm]:
    query = select(Alarm).order_by(Alarm.opened_at.desc(), Alarm.id.desc()).limit(limit)
    if state == "active":
        query = query.where(Alarm.open_slot == "open")
    elif state:
        query = query.where(Alarm.state == state)
    if site_id:
        query = query.where(Alarm.site_id == site_id)
    sites = {s.id: s for s in session.execute(select(Site)).scalars()}
    return [a for a in session.execute(query).scalars()
            if can_see_site(principal, site_id=a.site_id, company_id=sites[a.site_id].company_id)]
