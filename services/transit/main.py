"""create_app for the transit service."""

from fastapi import FastAPI

from services.common.db import utcnow
from services.identity.app import build_app
from services.transit.boarding.gallery import GalleryFollower, load_index
from services.transit.jobs import JOBS
from services.transit.models import job_run
from services.transit.router import router
from services.transit.settings import TransitSettings


def _start_gallery(app: FastAPI) -> None:
    """Loads every valid face template into this worker's index and follows enrolments and erasures."""
    settings = app.state.settings
    app.state.gallery = load_index(app.state.engine, settings, now=utcnow())
    app.state.gallery_follower = GalleryFollower(app.state.gallery, app.state.engine, settings, clock=utcnow).start()


def _stop_gallery(app: FastAPI) -> None:
    follower = getattr(app.state, "gallery_follower", None)
    if follower is not None:
        follower.stop()


def create_app(settings: TransitSettings | None = None) -> FastAPI:
    settings = settings or TransitSettings()
    return build_app(
        settings=settings,
        title="aicity transit",
        description="Boarding by face and pedestrian-speed-adaptive signals.",
        routers=[router],
        jobs=JOBS,
        job_run=job_run,
        on_startup=[_start_gallery],
        on_shutdown=[_stop_gallery],
    )
