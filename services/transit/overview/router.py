"""`GET /v1/overview` (officials): the figures come from overview/service.py."""

from services.common.db import SessionDep, utcnow
from services.common.overview import Overview
from services.common.routing import APIRouter
from services.transit.access import Official
from services.transit.overview.service import overview

router = APIRouter(prefix="/v1", tags=["overview"])


@router.get("/overview", response_model=Overview)
def read_overview(session: SessionDep, _: Official) -> Overview:
    return overview(session, now=utcnow())
