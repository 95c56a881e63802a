"""HTTP API of safe work under /v1/safety, and the near-miss phone page at /screens/near-miss."""

import math
from pathlib import Path

from fastapi import Query, Request

from services.common.db import SessionDep, utcnow
from services.common.errors import TooManyRequests
from services.common.ratelimit import DeviceLimit, app_limiter
from services.common.routing import APIRouter
from services.common.static_pages import screens_router
from services.industry.access import Official, OfficialOrPartner
from services.industry.safety import permits, records, rules, service
from services.industry.safety.models import GasDetector
from services.industry.safety.schemas import (
    BumpTestIn,
    DetectorCreate,
    DetectorRead,
    EventCreate,
    EventRead,
    MovementIn,
    NearMissIn,
    PermitCreate,
    PermitRead,
    SafetyAlarmRead,
    SafetySiteIn,
    WorkforceIn,
)
from services.industry.timeutil import local_day

router = APIRouter(prefix="/v1/safety", tags=["safety"])
STATIC_DIR = Path(__file__).resolve().parent / "static"
screens = screens_router(STATIC_DIR, {"/near-miss": "near-miss.html"}, texts=("industry_near_miss",))
# The phone page is anonymous (a worker reports without signing in): a caller's address gets a small burst
# (10 reports in any 50 s moving window, shared across workers when AICITY_REDIS_URL is set).
NEAR_MISS_RATE_PER_S, NEAR_MISS_BURST = 0.2, 10


def _near_miss_bucket(request: Request) -> DeviceLimit:
    state = request.app.state
    if getattr(state, "near_miss_bucket", None) is None:
        state.near_miss_bucket = DeviceLimit(app_limiter(state), rate_per_s=NEAR_MISS_RATE_PER_S,
                                             burst=NEAR_MISS_BURST)
    return state.near_miss_bucket


@router.get("/rules")
def safety_rules(_: OfficialOrPartner) -> dict:
    """The limits, heat stages and indicator definitions the service applies, each with its source."""
    return {"gas_limits": [g.__dict__ for g in rules.LEGAL_GAS_LIMITS.values()],
            "heat_stages": [s.__dict__ for s in rules.HEAT_STAGES], "heat_source": rules.HEAT_SOURCE,
            "apparent_temperature_source": rules.APPARENT_TEMPERATURE_SOURCE,
            "indicators": [i.__dict__ for i in rules.INDICATORS], "error_bits": rules.ERROR_BITS,
            "near_miss_categories": rules.NEAR_MISS_CATEGORIES}


@router.put("/sites/{site_id}")
def put_site(site_id: str, data: SafetySiteIn, session: SessionDep, principal: OfficialOrPartner) -> dict:
    """The site's safety manager (who receives escalations) and its own stricter gas limits."""
    cfg = service.upsert_site(session, site_id=site_id, data=data, principal=principal)
    return {**cfg.model_dump(), "limits": service.site_limits(session, site_id=site_id)}


@router.get("/sites/{site_id}/limits")
def get_limits(site_id: str, session: SessionDep, principal: OfficialOrPartner) -> dict:
    service.visible_site(session, site_id=site_id, principal=principal)
    return service.site_limits(session, site_id=site_id)


def _detector_read(session, det: GasDetector) -> DetectorRead:
    return DetectorRead.model_validate(det).model_copy(update={"tags": service.detector_tags(session, det)})


@router.post("/detectors", response_model=DetectorRead, status_code=201)
def create_detector(data: DetectorCreate, session: SessionDep, principal: OfficialOrPartner):
    """A gas detector; its channels become sensors `<id>.<gas>` (and `<id>.status`) for telemetry ingest."""
    det = service.register_detector(session, data=data, principal=principal, now=utcnow())
    return _detector_read(session, det)


@router.get("/detectors", response_model=list[DetectorRead])
def list_detectors(session: SessionDep, principal: OfficialOrPartner, site_id: str | None = None):
    return [_detector_read(session, d)
            for d in service.list_detectors(session, principal=principal, site_id=site_id)]


@router.post("/detectors/{detector_id}/bump-tests", response_model=DetectorRead)
def bump_test(detector_id: str, data: BumpTestIn, session: SessionDep, principal: OfficialOrPartner):
    det = service.record_bump_test(session, detector_id=detector_id, principal=principal, at=data.at,
                                   passed=data.passed, now=utcnow())
    return _detector_read(session, det)


@router.get("/detectors/{detector_id}/gas")
def detector_gas(detector_id: str, session: SessionDep, principal: OfficialOrPartner) -> list[dict]:
    service.visible_detector(session, detector_id=detector_id, principal=principal)
    return service.live_gas(session, detector_id=detector_id)


@router.get("/alarms", response_model=list[SafetyAlarmRead])
def list_alarms(session: SessionDep, principal: OfficialOrPartner, active: bool = False,
                site_id: str | None = None, limit: int = Query(default=200, ge=1, le=1000)):
    """Safety alarms, open ones first (gas before detector faults)."""
    return service.list_alarms(session, principal=principal, active=active, site_id=site_id, limit=limit)


@router.post("/alarms/{alarm_id}/ack", response_model=SafetyAlarmRead)
def ack_alarm(alarm_id: int, session: SessionDep, principal: OfficialOrPartner):
    return service.acknowledge(session, alarm_id=alarm_id, principal=principal, now=utcnow())


@router.post("/permits", response_model=PermitRead, status_code=201)
def create_permit(data: PermitCreate, session: SessionDep, principal: OfficialOrPartner):
    permit = permits.request_permit(session, data=data, principal=principal, now=utcnow())
    return permits.permit_view(session, permit)


@router.get("/permits", response_model=list[PermitRead])
def list_permits(session: SessionDep, principal: OfficialOrPartner,
                 status: str | None = Query(default=None, pattern="^(pending|open|closed)$"),
                 site_id: str | None = None):
    return [permits.permit_view(session, p)
            for p in permits.list_permits(session, principal=principal, status=status, site_id=site_id)]


@router.get("/permits/{permit_id}", response_model=PermitRead)
def get_permit(permit_id: int, session: SessionDep, principal: OfficialOrPartner):
    """The permit with the live gas of its space's detector."""
    return permits.permit_view(session, permits.visible_permit(session, permit_id=permit_id, principal=principal))


@router.post("/permits/{permit_id}/open", response_model=PermitRead)
def open_permit(permit_id: int, session: SessionDep, principal: OfficialOrPartner):
    """409 `unsuitable_air` (with every problem) unless the pre-entry air is suitable and the detector is quiet."""
    return permits.permit_view(session, permits.open_permit(session, permit_id=permit_id, principal=principal,
                                                            now=utcnow()))


@router.post("/permits/{permit_id}/movements", response_model=PermitRead)
def permit_movement(permit_id: int, data: MovementIn, session: SessionDep, principal: OfficialOrPartner):
    return permits.permit_view(session, permits.move(session, permit_id=permit_id, person=data.person,
                                                     direction=data.direction, principal=principal, now=utcnow()))


@router.post("/permits/{permit_id}/close", response_model=PermitRead)
def close_permit(permit_id: int, session: SessionDep, principal: OfficialOrPartner):
    """409 `people_inside` while anyone who went in has not come out."""
    return permits.permit_view(session, permits.close_permit(session, permit_id=permit_id, principal=principal,
                                                             now=utcnow()))


@router.post("/events", response_model=EventRead, status_code=201)
def create_event(data: EventCreate, session: SessionDep, principal: OfficialOrPartner):
    return records.record_event(session, data=data, principal=principal, now=utcnow(), via="api")


@router.get("/events", response_model=list[EventRead])
def list_events(session: SessionDep, principal: OfficialOrPartner,
                kind: str | None = Query(default=None, pattern="^(near_miss|injury|lost_time|fatal)$"),
                limit: int = Query(default=200, ge=1, le=1000)):
    return records.list_events(session, principal=principal, kind=kind, limit=limit)


@router.get("/report-sites")
def report_sites(session: SessionDep) -> list[dict]:
    """The sites a near miss can be reported at (for the phone page): id and names only."""
    return [{"id": s.id, "name": s.name, "name_ko": s.name_ko} for s in service.report_sites(session)]


@router.post("/near-misses", status_code=201)
def report_near_miss(data: NearMissIn, request: Request, session: SessionDep) -> dict:
    """A near miss from the phone page, without sign-in or name. Answers only the report's number."""
    host = request.client.host if request.client else "unknown"
    wait = _near_miss_bucket(request).take(f"near-miss:{host}")
    if wait > 0:
        raise TooManyRequests({"message": "too many reports", "retry_after_s": round(wait, 1)}, code="rate_limited",
                              headers={"Retry-After": str(math.ceil(wait))})
    event = records.record_event(session, data=EventCreate(kind="near_miss", **data.model_dump()), principal=None,
                                 now=utcnow(), via="phone")
    return {"id": event.id, "reported_at": event.reported_at}


@router.put("/workforce", response_model=WorkforceIn)
def put_workforce(data: WorkforceIn, session: SessionDep, _: Official):
    """A company's workers and hours worked in a year: the denominators of the indicators."""
    records.upsert_workforce(session, data=data)
    return data


@router.get("/indicators")
def indicators(session: SessionDep, principal: OfficialOrPartner,
               year: int = Query(default_factory=lambda: utcnow().year, ge=2000, le=2100)) -> dict:
    return records.indicators_by_company(session, principal=principal, year=year)


@router.get("/sme-before-after")
def sme_before_after(request: Request, session: SessionDep, principal: OfficialOrPartner) -> list[dict]:
    """Each built SME project's safety figures before and after, beside its productivity and quality."""
    today = local_day(utcnow(), request.app.state.settings.timezone)
    return records.sme_before_after(session, principal=principal, today=today)


@router.get("/heat")
def heat(request: Request, site_id: str, session: SessionDep, principal: OfficialOrPartner,
         shift_end_hour: int = Query(default=18, ge=1, le=23)) -> dict:
    """Heat stress now at a site: apparent temperature, the Ministry's stage and the rest breaks still due."""
    site = service.visible_site(session, site_id=site_id, principal=principal)
    return records.heat(session, site=site, now=utcnow(), tz=request.app.state.settings.timezone,
                        shift_end_hour=shift_end_hour)
