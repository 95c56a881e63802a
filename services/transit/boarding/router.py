"""HTTP API of transit boarding under /v1."""

from fastapi import APIRouter

router = APIRouter(prefix="/v1", tags=["boarding"])
