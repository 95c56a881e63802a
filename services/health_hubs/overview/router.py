"""`GET /v1/overview` (officials): the figures come from overview/service.py."""

from fastapi import Request

from services.common.db import SessionDep, utcnow
from services.common.overview import Overview
from services.common.routing import APIRouter
from services.health_hubs.access import Official
from services.health_hubs.overview.service import overview as build_overview
from services.health_hubs.readings.rules import rule_set

router = APIRouter()


@router.get("/overview", response_model=Overview)
def overview(request: Request, session: SessionDep, who: Official) -> Overview:
    return build_overview(session, principal=who.principal,
                          rules=rule_set(request.app.state.settings.rules_version), now=utcnow())
