"""Citizen screens served by the health_hubs service (static pages under /screens)."""

from fastapi import APIRouter

router = APIRouter(tags=["screens"])
