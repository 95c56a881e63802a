"""The applicants' API under /v1/public (no account, no password) and their pages under /screens/academy.

The status page is reached by the personal link made on applying (its token travels in the address's #fragment,
which browsers never send, and then in the X-Application-Token header), or by the application number with the
birth date, which makes a new link. Look-ups are rate-limited per client address."""

import math
from pathlib import Path

from fastapi import Header, Request

from services.common.db import SessionDep, utcnow
from services.common.errors import TooManyRequests
from services.common.ratelimit import DeviceLimit, app_limiter
from services.common.routing import APIRouter
from services.common.static_pages import screens_router
from services.talent_academy.applicants import service
from services.talent_academy.applicants.schemas import ApplicationCreate, ApplicationStatus, Lookup
from services.talent_academy.enrolment import service as enrolment_service

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
LOOKUP_RATE_PER_S, LOOKUP_BURST = 0.2, 10  # a person mistypes a few times; guessing birth dates needs thousands

router = APIRouter(prefix="/v1/public", tags=["applicants"])
pages = screens_router(STATIC_DIR, {"/academy": "academy.html", "/academy/status": "academy-status.html"},
                       texts=("academy",))


def _limit(request: Request, what: str = "lookup") -> None:
    """Per client address (shared through Redis when set): `lookup` guards birth-date guessing, `apply` keeps one
    source from filling a cohort's waitlist with made-up applicants."""
    bucket = getattr(request.app.state, "academy_lookup_bucket", None)
    if bucket is None:
        bucket = request.app.state.academy_lookup_bucket = DeviceLimit(
            app_limiter(request.app.state), rate_per_s=LOOKUP_RATE_PER_S, burst=LOOKUP_BURST)
    wait = bucket.take(f"{what}:{request.client.host if request.client else '-'}")
    if wait > 0:
        raise TooManyRequests({"message": "too many tries; wait a moment", "retry_after_s": round(wait, 1)},
                              code="rate_limited", headers={"Retry-After": str(math.ceil(wait))})


@router.get("/catalogue")
def public_catalogue(session: SessionDep) -> dict:
    """Tracks with partner hiring, and cohorts not yet started: dates, seats left, prerequisites."""
    return service.catalogue_view(session, now=utcnow())


@router.post("/applications", response_model=ApplicationStatus, status_code=201)
def apply(data: ApplicationCreate, request: Request, session: SessionDep):
    """Applies with the programme's details and consent: enrolled, or on the waitlist with a position. Answers
    the application number and a personal status link (token); 409 `already_applied`, 422
    `prerequisites_missing` / `not_eligible` / `consent_required`, 409 `enrolment_closed` in plain codes;
    429 `rate_limited` (Retry-After) past a burst from one client address."""
    _limit(request, "apply")
    enrolment, token = service.apply(session, data=data, now=utcnow())
    return ApplicationStatus(**service.status(session, enrolment, token))


@router.post("/applications/lookup", response_model=ApplicationStatus)
def lookup(data: Lookup, request: Request, session: SessionDep):
    _limit(request)
    enrolment, token = service.lookup(session, application_no=data.application_no, birth_date=data.birth_date,
                                      now=utcnow())
    return ApplicationStatus(**service.status(session, enrolment, token))


@router.get("/application", response_model=ApplicationStatus)
def my_application(session: SessionDep, x_application_token: str | None = Header(None, max_length=64)):
    return service.status(session, service.by_token(session, x_application_token))


@router.post("/application/accept", response_model=ApplicationStatus)
def accept(session: SessionDep, x_application_token: str | None = Header(None, max_length=64)):
    enrolment = service.by_token(session, x_application_token)
    enrolment = enrolment_service.accept_offer(session, enrolment_id=enrolment.id, now=utcnow())
    return ApplicationStatus(**service.status(session, enrolment))


@router.post("/application/decline", response_model=ApplicationStatus)
def decline(session: SessionDep, x_application_token: str | None = Header(None, max_length=64)):
    enrolment = service.by_token(session, x_application_token)
    enrolment, _ = enrolment_service.decline_offer(session, enrolment_id=enrolment.id, now=utcnow())
    return ApplicationStatus(**service.status(session, enrolment))


@router.post("/application/withdraw", response_model=ApplicationStatus)
def withdraw(session: SessionDep, x_application_token: str | None = Header(None, max_length=64)):
    enrolment = service.by_token(session, x_application_token)
    enrolment, _ = enrolment_service.withdraw(session, enrolment_id=enrolment.id, now=utcnow())
    return ApplicationStatus(**service.status(session, enrolment))
