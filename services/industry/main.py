"""create_app for the industry service."""

from fastapi import FastAPI

from services.identity.app import build_app
from services.industry.jobs import JOBS
from services.industry.models import job_run
from services.industry.router import router
from services.industry.settings import IndustrySettings


def create_app(settings: IndustrySettings | None = None) -> FastAPI:
    settings = settings or IndustrySettings()
    return build_app(
        settings=settings,
        title="aicity industry",
        description="Smart-factory indicators, alarms, the SME programme and air quality.",
        routers=[router],
        jobs=JOBS,
        job_run=job_run,
    )
