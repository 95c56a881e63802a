"""`/v1/auth`, mounted by every service: gathers sign-in (token, me) and screen pairing."""

from services.common.routing import APIRouter
from services.identity.devices.router import router as devices_router
from services.identity.sign_in.router import router as sign_in_router

router = APIRouter(prefix="/v1/auth", tags=["auth"])
router.include_router(sign_in_router)
router.include_router(devices_router)
