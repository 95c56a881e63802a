"""Citizen screens served by the transit service (static pages under /screens)."""

from fastapi import APIRouter

router = APIRouter(tags=["screens"])
