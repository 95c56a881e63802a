"""HTTP API of transit signals under /v1."""

from fastapi import APIRouter

router = APIRouter(prefix="/v1", tags=["signals"])
