"""create_app for the transit service."""

from fastapi import FastAPI

from services.common.app import build_app
from services.transit.jobs import JOBS
from services.transit.models import job_run
from services.transit.router import router
from services.transit.settings import TransitSettings


def create_app(settings: TransitSettings | None = None) -> FastAPI:
    settings = settings or TransitSettings()
    return build_app(
        settings=settings,
        title="aicity transit",
        description="Boarding by face and pedestrian-speed-adaptive signals.",
        routers=[router],
        jobs=JOBS,
        job_run=job_run,
    )
