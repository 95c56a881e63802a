"""HTTP API of the catalogue under /v1."""

from fastapi import Query

from services.common.db import SessionDep
from services.common.routing import APIRouter
from services.talent_academy.access import AcademyStaff, StaffPartnerOrOfficial
from services.talent_academy.catalogue import service
from services.talent_academy.catalogue.schemas import (
    CourseCreate,
    CourseRead,
    InvitationCreate,
    OfferingCreate,
    OfferingRead,
    PrerequisiteCreate,
    ReservationCreate,
    ReservationRead,
    TrackCreate,
    TrackRead,
)

router = APIRouter(prefix="/v1", tags=["catalogue"])


@router.post("/tracks", response_model=TrackRead, status_code=201)
def create_track(data: TrackCreate, session: SessionDep, _: AcademyStaff):
    return service.create_track(session, data=data)


@router.get("/tracks", response_model=list[TrackRead])
def list_tracks(session: SessionDep, _: StaffPartnerOrOfficial):
    return service.list_tracks(session)


@router.post("/courses", response_model=CourseRead, status_code=201)
def create_course(data: CourseCreate, session: SessionDep, _: AcademyStaff):
    course = service.create_course(session, data=data)
    return CourseRead(**course.model_dump())


@router.get("/courses", response_model=list[CourseRead])
def list_courses(session: SessionDep, _: StaffPartnerOrOfficial, track_id: str | None = Query(None, max_length=40)):
    return [CourseRead(**c.model_dump(), prerequisites=service.course_prerequisites(session, c.id))
            for c in service.list_courses(session, track_id=track_id)]


@router.post("/courses/{course_id}/prerequisites", response_model=CourseRead, status_code=201)
def add_prerequisite(course_id: str, data: PrerequisiteCreate, session: SessionDep, _: AcademyStaff):
    """Adds an edge to the prerequisite graph; 409 `prerequisite_cycle` with the cycle when it would close one."""
    course = service.add_prerequisite(session, course_id=course_id, requires_id=data.requires)
    return CourseRead(**course.model_dump(), prerequisites=service.course_prerequisites(session, course_id))


@router.post("/offerings", response_model=OfferingRead, status_code=201)
def create_offering(data: OfferingCreate, session: SessionDep, _: AcademyStaff):
    return service.offering_read(session, service.create_offering(session, data=data))


@router.get("/offerings", response_model=list[OfferingRead])
def list_offerings(session: SessionDep, _: StaffPartnerOrOfficial, course_id: str | None = Query(None, max_length=40),
                   cohort: str | None = Query(None, max_length=40), track_id: str | None = Query(None, max_length=40)):
    return [service.offering_read(session, o)
            for o in service.list_offerings(session, course_id=course_id, cohort=cohort, track_id=track_id)]


@router.get("/offerings/{offering_id}", response_model=OfferingRead)
def get_offering(offering_id: int, session: SessionDep, _: StaffPartnerOrOfficial):
    return service.offering_read(session, service.get_offering(session, offering_id))


@router.post("/offerings/{offering_id}/reservations", response_model=ReservationRead, status_code=201)
def add_reservation(offering_id: int, data: ReservationCreate, session: SessionDep, _: AcademyStaff):
    return service.add_reservation(session, offering_id=offering_id, company_id=data.company_id, seats_n=data.seats,
                                   release_at=data.release_at)


@router.post("/offerings/{offering_id}/invitations", status_code=201)
def invite(offering_id: int, data: InvitationCreate, session: SessionDep, _: AcademyStaff) -> dict:
    return {"invited": service.invite(session, offering_id=offering_id, learner_ids=data.learner_ids)}
