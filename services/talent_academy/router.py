"""HTTP API of the talent_academy service under /v1."""

from fastapi import APIRouter

router = APIRouter(prefix="/v1", tags=["talent_academy"])
