"""HTTP API of assets under /v1: sites (with location), lines, work units, sensors."""


from services.common.db import SessionDep
from services.common.routing import APIRouter
from services.industry.access import Admin, OfficialOrPartner
from services.industry.assets import service
from services.industry.assets.schemas import (
    LineCreate,
    LineRead,
    SensorCreate,
    SensorRead,
    SiteCreate,
    SiteDetail,
    SiteRead,
    WorkUnitCreate,
    WorkUnitRead,
)

router = APIRouter(prefix="/v1", tags=["assets"])


@router.post("/sites", response_model=SiteRead, status_code=201)
def create_site(data: SiteCreate, session: SessionDep, _: Admin):
    return service.create_site(session, data=data)


@router.get("/sites", response_model=list[SiteRead])
def list_sites(session: SessionDep, principal: OfficialOrPartner):
    return service.list_sites(session, principal=principal)


@router.get("/sites/{site_id}", response_model=SiteDetail)
def get_site(site_id: str, session: SessionDep, principal: OfficialOrPartner):
    return service.site_detail(session, site_id=site_id, principal=principal)


@router.post("/lines", response_model=LineRead, status_code=201)
def create_line(data: LineCreate, session: SessionDep, _: Admin):
    return service.create_line(session, data=data)


@router.post("/work-units", response_model=WorkUnitRead, status_code=201)
def create_work_unit(data: WorkUnitCreate, session: SessionDep, _: Admin):
    return service.create_work_unit(session, data=data)


@router.post("/sensors", response_model=SensorRead, status_code=201)
def create_sensor(data: SensorCreate, session: SessionDep, _: Admin):
    return service.create_sensor(session, data=data)
