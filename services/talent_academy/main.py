"""create_app for the talent_academy service."""

from fastapi import FastAPI

from services.identity.app import build_app
from services.talent_academy.jobs import JOBS
from services.talent_academy.models import job_run
from services.talent_academy.router import router
from services.talent_academy.settings import TalentAcademySettings


def create_app(settings: TalentAcademySettings | None = None) -> FastAPI:
    settings = settings or TalentAcademySettings()
    return build_app(
        settings=settings,
        title="aicity talent_academy",
        description="The AI Future Talent Academy: enrolment, waitlists, completion, jobs.",
        routers=[router],
        jobs=JOBS,
        job_run=job_run,
    )
