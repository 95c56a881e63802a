"""create_app for the health_hubs service."""

from fastapi import FastAPI

from services.health_hubs.jobs import JOBS
from services.health_hubs.models import job_run
from services.health_hubs.router import router
from services.health_hubs.settings import HealthHubsSettings
from services.identity.app import build_app


def create_app(settings: HealthHubsSettings | None = None) -> FastAPI:
    settings = settings or HealthHubsSettings()
    return build_app(
        settings=settings,
        title="aicity health_hubs",
        description="Smart community centres: kiosk readings, alerts, referrals, indicators.",
        routers=[router],
        jobs=JOBS,
        job_run=job_run,
    )
