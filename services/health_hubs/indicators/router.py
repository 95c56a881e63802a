"""Indicator endpoints the dashboard reads: one month's cells, and a monthly series with as_of."""

from datetime import datetime

from fastapi import Query, Request

from services.common.db import SessionDep, utcnow
from services.common.errors import NotFound, Unprocessable
from services.common.routing import APIRouter
from services.health_hubs.access import OfficialStaffOrNurse
from services.health_hubs.centres.domain import DISTRICTS, all_centres
from services.health_hubs.indicators import service
from services.health_hubs.indicators.schemas import IndicatorPage, Series
from services.health_hubs.readings.rules import rule_set
from services.health_hubs.timeutil import add_months, month_of, parse_month

router = APIRouter(tags=["indicators"])
LEVEL = "^(city|district|centre)$"
MONTH = r"^\d{4}-\d{2}$"


def _check(level: str, only: str | None) -> None:
    if level == "district" and only and only not in DISTRICTS:
        raise NotFound("no such district", code="district_not_found")
    if level == "centre" and only and only not in all_centres():
        raise NotFound("no such centre", code="centre_not_found")


def _month(value: str | None, as_of: datetime) -> str:
    month = value or month_of(as_of)
    try:
        parse_month(month)
    except ValueError:
        raise Unprocessable("month must be YYYY-MM", code="invalid_month") from None
    return month


@router.get("/indicators", response_model=IndicatorPage)
def month_indicators(request: Request, session: SessionDep, who: OfficialStaffOrNurse,
                     month: str | None = Query(default=None, pattern=MONTH),
                     level: str = Query(default="city", pattern=LEVEL), id: str | None = Query(default=None),
                     as_of: datetime | None = None) -> IndicatorPage:
    """Counts and rates for one Seoul month. Small cells are null with suppressed: true for every role but the
    centre's own staff."""
    _check(level, id)
    as_of = as_of or utcnow()
    month = _month(month, as_of)
    rules = rule_set(request.app.state.settings.rules_version)
    cells = service.indicators(session.connection(), principal=who.principal, month=month, level=level, only=id,
                               rules=rules, as_of=as_of)
    return IndicatorPage(as_of=as_of, month=month, rule_version=rules.version, cells=cells)


@router.get("/indicators/series", response_model=Series)
def indicator_series(request: Request, session: SessionDep, who: OfficialStaffOrNurse,
                     level: str = Query(default="city", pattern=LEVEL), id: str | None = Query(default=None),
                     to_month: str | None = Query(default=None, pattern=MONTH),
                     months: int = Query(default=12, ge=1, le=24), as_of: datetime | None = None) -> Series:
    """The monthly control rate (and its counts) of one city / district / centre over `months` months."""
    if level != "city" and not id:
        raise Unprocessable("id is required for a district or centre series", code="id_required")
    _check(level, id)
    as_of = as_of or utcnow()
    last = _month(to_month, as_of)
    rules = rule_set(request.app.state.settings.rules_version)
    month_list = [add_months(last, -k) for k in range(months - 1, -1, -1)]
    points = []
    for m in month_list:
        cell = service.indicators(session.connection(), principal=who.principal, month=m, level=level, only=id,
                                  rules=rules, as_of=as_of)[0]
        points.append(cell)
    return Series(as_of=as_of, level=level, id=id, rule_version=rules.version, months=month_list, points=points)
