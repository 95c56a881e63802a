"""API shapes of the catalogue."""

from datetime import date, datetime

from pydantic import BaseModel, Field


class TrackCreate(BaseModel):
    id: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_-]+$")
    name: str = Field(min_length=1, max_length=120)
    name_ko: str = Field(default="", max_length=120)


class TrackRead(TrackCreate):
    pass


class CourseCreate(BaseModel):
    id: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    track_id: str = Field(max_length=40)
    title: str = Field(min_length=1, max_length=200)
    term: int = Field(default=1, ge=1, le=20)
    weeks: int = Field(default=12, ge=1, le=104)
    skills: list[str] = Field(default_factory=list, max_length=50)


class CourseRead(CourseCreate):
    prerequisites: list[str] = []


class PrerequisiteCreate(BaseModel):
    requires: str = Field(max_length=40)


class ReservationCreate(BaseModel):
    company_id: str = Field(min_length=1, max_length=64)
    seats: int = Field(ge=1, le=1000)
    release_at: datetime | None = None


class ReservationRead(ReservationCreate):
    id: int
    taken: int
    released_at: datetime | None


class OfferingCreate(BaseModel):
    code: str = Field(min_length=1, max_length=60)
    course_id: str = Field(max_length=40)
    cohort: str = Field(min_length=1, max_length=40)
    capacity: int = Field(ge=1, le=10_000)
    waitlist_cap: int = Field(default=200, ge=0, le=100_000)
    opens_at: datetime
    closes_at: datetime
    starts_on: date
    ends_on: date
    sessions_total: int = Field(default=60, ge=1, le=1000)
    eligibility: dict = Field(default_factory=dict)
    completion_criteria: dict = Field(default_factory=dict)
    prerequisite_mode: str = Field(default="block", pattern="^(block|lock_content)$")
    offer_ttl_hours: int = Field(default=48, ge=0, le=24 * 30)
    reservations: list[ReservationCreate] = Field(default_factory=list, max_length=50)


class OfferingRead(BaseModel):
    id: int
    code: str
    course_id: str
    track_id: str
    cohort: str
    capacity: int
    seats_taken: int
    reserved_open: int
    seats_free: int
    waitlist_cap: int
    waitlist_count: int
    opens_at: datetime
    closes_at: datetime
    starts_on: date
    ends_on: date
    sessions_total: int
    eligibility: dict
    completion_criteria: dict
    prerequisite_mode: str
    offer_ttl_hours: int
    reservations: list[ReservationRead] = []


class InvitationCreate(BaseModel):
    learner_ids: list[str] = Field(min_length=1, max_length=500)
