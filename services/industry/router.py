"""HTTP API of the industry service under /v1."""

from fastapi import APIRouter

router = APIRouter(prefix="/v1", tags=["industry"])
