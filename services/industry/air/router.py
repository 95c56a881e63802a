"""HTTP API of air quality under /v1: monitors with their latest grade, hourly readings, WHO comparison."""

from fastapi import Query, Request
from pydantic import ValidationError

from services.common.db import SessionDep, utcnow
from services.common.routing import APIRouter
from services.industry.access import Admin, OfficialOrPartner, OfficialPartnerOrGateway
from services.industry.air import domain, service
from services.industry.air.schemas import AirMonitorCreate, AirMonitorRead, AirReadingIn, AirReadingsIn

router = APIRouter(prefix="/v1/air", tags=["air"])


@router.post("/monitors", response_model=AirMonitorCreate, status_code=201)
def create_monitor(data: AirMonitorCreate, session: SessionDep, _: Admin):
    return service.create_monitor(session, data=data)


@router.get("/monitors", response_model=list[AirMonitorRead])
def monitors(session: SessionDep, _: OfficialOrPartner):
    """Every monitor with its location, latest PM10/PM2.5, AirKorea grades (the worse one shown) and alerts."""
    return service.monitors_with_latest(session)


@router.post("/readings")
def post_readings(data: AirReadingsIn, request: Request, session: SessionDep,
                  principal: OfficialPartnerOrGateway) -> dict:
    """Hourly means; an item that is not a valid reading (e.g. NaN, Infinity, out of range: `bad_reading`), of a
    monitor that does not exist (`monitor_not_found`) or of another site (`wrong_place`), or dated ahead of the
    server by more than INDUSTRY_FUTURE_SKEW_S (`timestamp_in_future`) is refused with its index and the others
    are stored."""
    now = utcnow()
    checked, errors = [], []
    for index, item in enumerate(data.readings):
        try:
            checked.append((index, AirReadingIn.model_validate(item)))
        except ValidationError as exc:
            first = exc.errors()[0]
            errors.append({"index": index, "code": "bad_reading",
                           "detail": f"{'.'.join(map(str, first['loc'])) or 'item'}: {first['msg']}"})
    good, refused = service.check_readings(session, checked, principal=principal, now=now,
                                           future_skew_s=request.app.state.settings.future_skew_s)
    errors = sorted(errors + refused, key=lambda e: e["index"])
    result = service.ingest(session, readings=good, principal=principal, now=now) if good else {
        "stored": 0, "duplicates": 0, "alert_changes": 0}
    return {**result, "rejected": len(errors), "errors": errors}


@router.get("/monitors/{monitor_id}/who")
def who(monitor_id: str, request: Request, session: SessionDep, _: OfficialOrPartner,
        days: int = Query(default=365, ge=1, le=3660)) -> dict:
    """Daily means against the WHO 2021 24-hour guideline and the period mean against the annual one."""
    return service.who_report(session, monitor_id=monitor_id, days=days, now=utcnow(),
                              tz=request.app.state.settings.timezone)


@router.get("/rules")
def rules(_: OfficialOrPartner) -> dict:
    """The grade bands, alert levels and WHO guidelines in force, with sources."""
    return {"grade_upper_bounds": domain.GRADE_UPPER, "alert_levels": domain.ALERT_LEVELS,
            "alert_hold_h": domain.ALERT_HOLD.total_seconds() / 3600, "who_2021": domain.WHO_2021}
