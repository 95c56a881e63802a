"""HTTP API of alarms under /v1: rules, the alarm list, acknowledge and clear."""

from fastapi import Depends, Query

from services.common.auth import Principal
from services.common.db import SessionDep, utcnow
from services.common.routing import APIRouter
from services.industry.access import readers
from services.industry.alarms import service
from services.industry.alarms.domain import DRIFT_DEFAULTS
from services.industry.alarms.schemas import AlarmAction, AlarmRead, AlarmRuleCreate, AlarmRuleRead

router = APIRouter(prefix="/v1", tags=["alarms"])


@router.post("/alarm-rules", response_model=AlarmRuleRead, status_code=201)
def create_rule(data: AlarmRuleCreate, session: SessionDep, principal: Principal = Depends(readers)):
    return service.create_rule(session, data=data, principal=principal)


@router.get("/alarm-rules", response_model=list[AlarmRuleRead])
def list_rules(session: SessionDep, _: Principal = Depends(readers), sensor_id: int | None = None):
    return service.list_rules(session, sensor_id=sensor_id)


@router.get("/alarm-rules/drift-defaults")
def drift_defaults(_: Principal = Depends(readers)) -> dict:
    """The drift charts' constants with their in-control average run length and source."""
    return DRIFT_DEFAULTS


@router.get("/alarms", response_model=list[AlarmRead])
def list_alarms(
    session: SessionDep,
    principal: Principal = Depends(readers),
    state: str | None = Query(default=None, pattern="^(active|open|acknowledged|cleared)$"),
    site_id: str | None = Query(default=None, max_length=40),
    limit: int = Query(default=100, ge=1, le=1000),
):
    return service.list_alarms(session, principal=principal, state=state, site_id=site_id, limit=limit)


@router.post("/alarms/{alarm_id}/ack", response_model=AlarmRead)
def acknowledge(alarm_id: int, session: SessionDep, data: AlarmAction | None = None,
                principal: Principal = Depends(readers)):
    return service.acknowledge(session, alarm_id=alarm_id, principal=principal, now=utcnow(),
                               note=data.note if data else "")


@router.post("/alarms/{alarm_id}/clear", response_model=AlarmRead)
def clear(alarm_id: int, session: SessionDep, data: AlarmAction | None = None,
          principal: Principal = Depends(readers)):
    return service.clear(session, alarm_id=alarm_id, principal=principal, now=utcnow(),
                         note=data.note if data else "")
