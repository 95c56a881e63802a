"""`GET /v1/overview` (officials): the figures come from overview/service.py."""

from fastapi import Request

from services.common.db import SessionDep, utcnow
from services.common.overview import Overview
from services.common.routing import APIRouter
from services.industry.access import Official
from services.industry.overview.service import overview as build_overview

router = APIRouter(prefix="/v1", tags=["overview"])


@router.get("/overview", response_model=Overview)
def overview(request: Request, session: SessionDep, _: Official):
    return build_overview(session, now=utcnow(), tz=request.app.state.settings.timezone)
