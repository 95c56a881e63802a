"""HTTP API of telemetry under /v1: the gateways' batch endpoint, latest values, series, Sparkplug nodes."""

from datetime import datetime, timedelta

from fastapi import Query, Request

from services.common.db import SessionDep, utcnow
from services.common.errors import Unprocessable
from services.common.routing import APIRouter
from services.industry.access import Gateway, OfficialOrPartner
from services.industry.assets import service as assets
from services.industry.telemetry import service
from services.industry.telemetry.schemas import (
    LatestRead,
    SeriesPoint,
    SparkplugEventRead,
    SparkplugNodeRead,
    TelemetryBatchIn,
    TelemetryBatchResult,
)

router = APIRouter(prefix="/v1", tags=["telemetry"])


@router.post("/telemetry", response_model=TelemetryBatchResult)
def post_telemetry(
    data: TelemetryBatchIn, request: Request, session: SessionDep,
    principal: Gateway,
):
    """A gateway's batch of readings (its backlog after an outage too, oldest first). Answers 200 with a
    result per bad item; a retry with the same `batch_id` returns the first answer and stores nothing."""
    return service.ingest_batch(session, principal=principal, batch_id=data.batch_id, items=data.readings,
                                now=utcnow(), settings=request.app.state.settings)


@router.get("/sites/{site_id}/latest", response_model=list[LatestRead])
def site_latest(site_id: str, session: SessionDep, principal: OfficialOrPartner):
    """The latest value of every sensor of a site, marked stale when its Sparkplug node died."""
    assets.visible_site(session, site_id=site_id, principal=principal)
    sensors = service.site_sensors(session, site_id=site_id)
    latest = service.latest_values(session, sensor_ids=[s.id for s in sensors])
    out = []
    for s in sensors:
        row = latest.get(s.id)
        out.append(LatestRead(
            sensor_id=s.id, tag=s.tag, quantity=s.quantity, unit=s.unit, work_unit_id=s.work_unit_id,
            **({"ts": row.ts, "value": row.value, "source": row.source, "stale": row.stale,
                "stale_reason": row.stale_reason} if row else {}),
        ))
    return out


@router.get("/sensors/{sensor_id}/series", response_model=list[SeriesPoint])
def sensor_series(
    sensor_id: int, session: SessionDep, principal: OfficialOrPartner,
    period: str = Query(default="raw", pattern="^(raw|minute|hour|day)$"),
    start: datetime | None = None, end: datetime | None = None,
    limit: int = Query(default=1000, ge=1, le=10_000),
):
    assets.visible_sensor(session, sensor_id=sensor_id, principal=principal)
    end = end or utcnow() + timedelta(minutes=5)
    start = start or end - timedelta(days=1)
    if start.tzinfo is None or end.tzinfo is None:
        raise Unprocessable("start and end need a UTC offset", code="naive_timestamp")
    return service.series(session, sensor_id=sensor_id, period=period, start=start, end=end, limit=limit)


@router.get("/sparkplug/nodes", response_model=list[SparkplugNodeRead])
def sparkplug_nodes(session: SessionDep, _: OfficialOrPartner, group_id: str | None = None):
    return service.sparkplug_nodes(session, group_id=group_id)


@router.get("/sparkplug/events", response_model=list[SparkplugEventRead])
def sparkplug_events(session: SessionDep, _: OfficialOrPartner,
                     kind: str | None = Query(default=None, max_length=30),
                     limit: int = Query(default=100, ge=1, le=1000)):
    return service.sparkplug_events(session, kind=kind, limit=limit)
