"""Tables of the catalogue: tracks, courses, prerequisite edges, offerings and their reserved seats."""

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Column, UniqueConstraint
from sqlmodel import Field

from services.common.db import UTCDateTime, utcnow
from services.talent_academy.models import TalentAcademyModel


class Track(TalentAcademyModel, table=True):
    id: str = Field(primary_key=True, max_length=40)  # "ai", "data", "batteries" ...
    name: str = Field(max_length=120)
    name_ko: str = Field(default="", max_length=120)


class Course(TalentAcademyModel, table=True):
    id: str = Field(primary_key=True, max_length=40)  # "AI-101"
    track_id: str = Field(foreign_key="track.id", index=True, max_length=40)
    title: str = Field(max_length=200)
    term: int = Field(default=1, ge=1)  # the term of the programme it is usually taken in (path order)
    weeks: int = Field(default=12, ge=1)
    skills: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class CoursePrerequisite(TalentAcademyModel, table=True):
    """An edge of the prerequisite graph: `requires_id` must be completed before `course_id`."""

    __tablename__ = "course_prerequisite"

    course_id: str = Field(foreign_key="course.id", primary_key=True, max_length=40)
    requires_id: str = Field(foreign_key="course.id", primary_key=True, max_length=40)


class Offering(TalentAcademyModel, table=True):
    """A cohort of a course. Seat and waitlist counters move only by conditional UPDATEs (enrolment/seats.py)."""

    __table_args__ = (
        CheckConstraint("seats_taken >= 0 AND reserved_open >= 0", name="seats_nonnegative"),
        CheckConstraint("seats_taken + reserved_open <= capacity", name="seats_within_capacity"),
        CheckConstraint("waitlist_count >= 0 AND waitlist_count <= waitlist_cap", name="waitlist_within_cap"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=60)  # "AI-101-2026-1"
    course_id: str = Field(foreign_key="course.id", index=True, max_length=40)
    cohort: str = Field(max_length=40)  # "2026-1"
    capacity: int = Field(ge=1)
    seats_taken: int = 0  # seats held by enrolled learners and by open offers
    reserved_open: int = 0  # reserved partner seats still unfilled and not yet released
    waitlist_cap: int = Field(default=200, ge=0)
    waitlist_count: int = 0
    waitlist_seq: int = 0  # the last FIFO ticket handed out
    opens_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    closes_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    starts_on: date
    ends_on: date
    sessions_total: int = Field(default=60, ge=1)  # 12 weeks x 5 days
    eligibility: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    completion_criteria: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    prerequisite_mode: str = Field(default="block", max_length=16)  # block | lock_content
    offer_ttl_hours: int = Field(default=48, ge=0)  # 0: promotion enrols at once
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class SeatReservation(TalentAcademyModel, table=True):
    """Seats of an offering held for one partner company's nominees until `release_at`."""

    __tablename__ = "seat_reservation"
    __table_args__ = (
        UniqueConstraint("offering_id", "company_id"),
        CheckConstraint("taken >= 0 AND taken <= seats", name="taken_within_seats"),
    )

    id: int | None = Field(default=None, primary_key=True)
    offering_id: int = Field(foreign_key="offering.id", index=True)
    company_id: str = Field(max_length=64)
    seats: int = Field(ge=1)
    taken: int = 0
    release_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    released_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
