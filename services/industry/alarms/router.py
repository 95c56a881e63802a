"""HTTP API of alarms under /v1: rules and their ISA-18.2 modes, the paged alarm list, acknowledge, clear,
shelve and unshelve, and the flood report."""

from datetime import datetime, timedelta

from fastapi import Query, Response

from services.common.db import SessionDep, utcnow
from services.common.errors import Unprocessable
from services.common.routing import APIRouter
from services.industry.access import OfficialOrPartner
from services.industry.alarms import service
from services.industry.alarms.domain import ALARM_DEFAULTS, DRIFT_DEFAULTS, FLOOD
from services.industry.alarms.schemas import (
    AlarmAction,
    AlarmRead,
    AlarmRuleCreate,
    AlarmRuleMode,
    AlarmRuleRead,
    AlarmShelve,
    FloodReport,
)

router = APIRouter(prefix="/v1", tags=["alarms"])


@router.post("/alarm-rules", response_model=AlarmRuleRead, status_code=201)
def create_rule(data: AlarmRuleCreate, session: SessionDep, principal: OfficialOrPartner):
    return service.create_rule(session, data=data, principal=principal)


@router.get("/alarm-rules", response_model=list[AlarmRuleRead])
def list_rules(session: SessionDep, _: OfficialOrPartner, sensor_id: int | None = None):
    return service.list_rules(session, sensor_id=sensor_id)


@router.get("/alarm-rules/drift-defaults")
def drift_defaults(_: OfficialOrPartner) -> dict:
    """The drift charts' constants with their in-control average run length and source, and the ISA-18.2
    defaults (deadband, on-delay, flood) with theirs."""
    return {**DRIFT_DEFAULTS, "alarm_defaults": ALARM_DEFAULTS,
            "flood": {k: (str(v) if isinstance(v, timedelta) else v) for k, v in FLOOD.items()}}


@router.post("/alarm-rules/{rule_id}/mode", response_model=AlarmRuleRead)
def set_rule_mode(rule_id: int, data: AlarmRuleMode, session: SessionDep, principal: OfficialOrPartner):
    """in_service, suppressed_by_design (tracked, never annunciated) or out_of_service (not evaluated), with why."""
    return service.set_rule_mode(session, rule_id=rule_id, mode=data.mode, reason=data.reason, principal=principal,
                                 now=utcnow())


def _read(session, alarms: list) -> list[dict]:
    modes = service.rule_modes(session, rule_ids={a.rule_id for a in alarms if a.rule_id is not None})
    now = utcnow()
    return [service.as_read(a, modes=modes, now=now) for a in alarms]


@router.get("/alarms", response_model=list[AlarmRead])
def list_alarms(
    session: SessionDep,
    response: Response,
    principal: OfficialOrPartner,
    state: str | None = Query(default=None, pattern="^(active|open|acknowledged|rtn_unack|cleared)$"),
    site_id: str | None = Query(default=None, max_length=40),
    limit: int = Query(default=100, ge=1, le=1000),
    offset: int = Query(default=0, ge=0, le=10_000_000),
    order: str = Query(default="priority", pattern="^(priority|time)$"),
    include_shelved: bool = True,
):
    """A page of alarms, highest priority first (then newest); `X-Next-Offset` names the next page when full."""
    alarms = service.list_alarms(session, principal=principal, state=state, site_id=site_id, limit=limit,
                                 offset=offset, order=order, include_shelved=include_shelved, now=utcnow())
    if len(alarms) == limit:
        response.headers["X-Next-Offset"] = str(offset + limit)
    return _read(session, alarms)


@router.get("/alarms/flood", response_model=FloodReport)
def flood(session: SessionDep, principal: OfficialOrPartner, site_id: str = Query(max_length=40),
          start: datetime | None = None, end: datetime | None = None):
    """Alarms per 10 minutes at one site's console, each interval marked when it is a flood (> 10)."""
    for t in (start, end):
        if t is not None and t.tzinfo is None:
            raise Unprocessable("start and end need a UTC offset", code="naive_timestamp")
    end = end or utcnow()
    start = start or end - timedelta(hours=24)
    if not start < end or end - start > timedelta(days=31):
        raise Unprocessable("start must be before end, at most 31 days apart", code="bad_period")
    return service.flood_report(session, principal=principal, site_id=site_id, start=start, end=end)


@router.post("/alarms/{alarm_id}/ack", response_model=AlarmRead)
def acknowledge(alarm_id: int, session: SessionDep, principal: OfficialOrPartner, data: AlarmAction | None = None):
    alarm = service.acknowledge(session, alarm_id=alarm_id, principal=principal, now=utcnow(),
                                note=data.note if data else "")
    return _read(session, [alarm])[0]


@router.post("/alarms/{alarm_id}/clear", response_model=AlarmRead)
def clear(alarm_id: int, session: SessionDep, principal: OfficialOrPartner, data: AlarmAction | None = None):
    """Refused (409 alarm_condition_active) while the condition stands; drift alarms are reset this way."""
    alarm = service.clear(session, alarm_id=alarm_id, principal=principal, now=utcnow(),
                          note=data.note if data else "")
    return _read(session, [alarm])[0]


@router.post("/alarms/{alarm_id}/shelve", response_model=AlarmRead)
def shelve(alarm_id: int, data: AlarmShelve, session: SessionDep, principal: OfficialOrPartner):
    """Off the operator's list for `minutes` (at most 12 h), with the reason and who shelved it."""
    alarm = service.shelve(session, alarm_id=alarm_id, principal=principal, now=utcnow(), reason=data.reason,
                           minutes=data.minutes)
    return _read(session, [alarm])[0]


@router.post("/alarms/{alarm_id}/unshelve", response_model=AlarmRead)
def unshelve(alarm_id: int, session: SessionDep, principal: OfficialOrPartner):
    alarm = service.unshelve(session, alarm_id=alarm_id, principal=principal, now=utcnow())
    return _read(session, [alarm])[0]
