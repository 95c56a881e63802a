"""HTTP API of the health_hubs service under /v1."""

from fastapi import APIRouter

router = APIRouter(prefix="/v1", tags=["health_hubs"])
