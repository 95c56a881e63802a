"""HTTP API of completion, outcomes, indicators and the overview under /v1."""

from fastapi import Query

from services.common.db import SessionDep, utcnow
from services.common.overview import Overview
from services.common.routing import APIRouter
from services.talent_academy.access import AcademyStaff, Official, OfficialOrStaff
from services.talent_academy.catalogue.domain import local_date
from services.talent_academy.enrolment import service as enrolment_service
from services.talent_academy.enrolment.schemas import EnrolmentRead
from services.talent_academy.outcomes import service
from services.talent_academy.outcomes.schemas import (
    CompletionResult,
    IndicatorRow,
    OutcomeCreate,
    OutcomeRead,
    ProgressUpdate,
)

router = APIRouter(prefix="/v1", tags=["outcomes"])


@router.put("/enrolments/{enrolment_id}/progress", response_model=EnrolmentRead)
def update_progress(enrolment_id: int, data: ProgressUpdate, session: SessionDep, _: AcademyStaff):
    enrolment = service.update_progress(session, enrolment_id=enrolment_id, data=data)
    return enrolment_service.read(session, enrolment)


@router.post("/offerings/{offering_id}/completions", response_model=list[CompletionResult])
def evaluate_completions(offering_id: int, session: SessionDep, _: AcademyStaff):
    """Decides completion for every starter of an ended cohort by its criteria (attendance, projects,
    assessment); dropouts are recorded as not completed."""
    return service.evaluate_completions(session, offering_id=offering_id, now=utcnow())


@router.put("/enrolments/{enrolment_id}/outcomes", response_model=OutcomeRead)
def record_outcome(enrolment_id: int, data: OutcomeCreate, session: SessionDep, _: AcademyStaff):
    return service.record_outcome(session, enrolment_id=enrolment_id, data=data, now=utcnow())


@router.get("/indicators", response_model=list[IndicatorRow])
def indicators(session: SessionDep, _: OfficialOrStaff, by: str = Query("track", pattern="^(track|cohort|city)$"),
               track_id: str | None = Query(None, max_length=40)):
    """Applications, fill rate, waitlist length, completion rate, employment within 3/6 months of the end
    (K-Digital Training), in-field employment within 180 days (CIRR) and partner-hire share per cohort, track
    or the whole city; each row carries the definitions and sources. Small cells are suppressed so that no
    subtraction of published rows gives them back."""
    return service.indicators(session, today=local_date(utcnow()), by=by, track_id=track_id)


@router.get("/overview", response_model=Overview)
def overview(session: SessionDep, _: Official):
    return service.overview(session, now=utcnow())
