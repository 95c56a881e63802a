"""HTTP API of the KPI engine under /v1: production records, ISO 22400-2 KPIs, the OEE trend, steel."""

from datetime import date, datetime

from fastapi import Query, Request, Response

from services.common.db import SessionDep, utcnow
from services.common.errors import Unprocessable
from services.common.routing import APIRouter
from services.industry.access import OfficialOrPartner, OfficialPartnerOrGateway
from services.industry.kpi import service
from services.industry.kpi.schemas import (
    KpiReport,
    OeeDay,
    ProductionRecordCreate,
    ProductionRecordRead,
    SteelReport,
)
from services.industry.timeutil import local_day

router = APIRouter(prefix="/v1", tags=["kpi"])


@router.post("/production-records", response_model=ProductionRecordRead, status_code=201)
def create_record(data: ProductionRecordCreate, session: SessionDep, response: Response,
                  principal: OfficialPartnerOrGateway):
    record, created = service.create_record(session, data=data, principal=principal, now=utcnow())
    if not created:
        response.status_code = 200
    return record


@router.get("/kpi", response_model=KpiReport)
def kpi_report(session: SessionDep, principal: OfficialOrPartner,
               work_unit_id: str | None = Query(default=None, max_length=40),
               order_id: str | None = Query(default=None, max_length=60),
               start: datetime | None = None, end: datetime | None = None):
    """ISO 22400-2 KPIs over the records of a work unit and/or order (period_start in [start, end)),
    each with its formula and inputs."""
    for t in (start, end):
        if t is not None and t.tzinfo is None:
            raise Unprocessable("start and end need a UTC offset", code="naive_timestamp")
    return service.kpi_report(session, principal=principal, work_unit_id=work_unit_id, order_id=order_id,
                              start=start, end=end)


@router.get("/kpi/oee-trend", response_model=list[OeeDay])
def oee_trend(request: Request, session: SessionDep, principal: OfficialOrPartner,
              work_unit_id: str | None = Query(default=None, max_length=40), days: int = Query(default=14, ge=1, le=366)):
    """OEE and its factors per local day, oldest first (for the dashboard's trend line)."""
    return service.oee_trend(session, principal=principal, work_unit_id=work_unit_id, days=days, now=utcnow(),
                             tz=request.app.state.settings.timezone)


@router.get("/kpi/steel", response_model=SteelReport)
def steel(request: Request, session: SessionDep, principal: OfficialOrPartner, site_id: str = Query(max_length=40),
          day: date | None = None):
    """Fuel rate and productivity per blast furnace, energy and CO2 per tonne for the site, from the day
    rollups, each beside its benchmark."""
    tz = request.app.state.settings.timezone
    return service.steel_report(session, site_id=site_id, day=day or local_day(utcnow(), tz), principal=principal,
                                tz=tz)
