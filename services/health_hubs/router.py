"""HTTP API of the health_hubs service under /v1, and the kiosk screen."""

from fastapi import APIRouter

from services.health_hubs.screens import router as screens_router

router = APIRouter()
api = APIRouter(prefix="/v1", tags=["health_hubs"])

# (endpoints are added to `api` above this line)
router.include_router(api)
router.include_router(screens_router)
