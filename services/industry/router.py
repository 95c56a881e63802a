"""HTTP API of the industry service under /v1: each subdomain's router and the overview."""


from services.common.routing import APIRouter
from services.industry.air.router import router as air_router
from services.industry.alarms.router import router as alarms_router
from services.industry.assets.router import router as assets_router
from services.industry.kpi.router import router as kpi_router
from services.industry.overview.router import router as overview_router
from services.industry.programme.router import router as programme_router
from services.industry.safety.router import router as safety_router
from services.industry.safety.router import screens as safety_screens
from services.industry.telemetry.router import router as telemetry_router

router = APIRouter()
for sub in (assets_router, telemetry_router, kpi_router, alarms_router, programme_router, air_router,
            overview_router, safety_router, safety_screens):
    router.include_router(sub)
