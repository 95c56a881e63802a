"""HTTP API of the transit service: boarding by face and adaptive crossings, both under /v1."""


from services.common.routing import APIRouter
from services.transit.boarding.holds_router import router as holds_router
from services.transit.boarding.router import router as boarding_router
from services.transit.overview.router import router as overview_router
from services.transit.screens import router as screens_router
from services.transit.signals.router import router as signals_router

router = APIRouter()
router.include_router(holds_router)
router.include_router(boarding_router)
router.include_router(signals_router)
router.include_router(screens_router)
router.include_router(overview_router)
