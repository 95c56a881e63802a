"""API shapes of enrolment."""

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field


class LearnerCreate(BaseModel):
    id: uuid.UUID | None = Field(default=None, description="client-made id: the same id again returns the same learner")
    name: str = Field(min_length=1, max_length=120)
    birth_date: date
    residence: str = Field(min_length=1, max_length=64)
    sponsor_company_id: str | None = Field(default=None, max_length=64)
    skills: list[str] = Field(default_factory=list, max_length=50)
    consent_to_share: bool = Field(default=False, description="partners may see the profile and match it to openings")
    contact: str | None = Field(default=None, max_length=120)


class LearnerRead(LearnerCreate):
    id: uuid.UUID
    completed_courses: list[str] = []
    erased_at: datetime | None = None


class ConsentUpdate(BaseModel):
    consent_to_share: bool


class EnrolmentCreate(BaseModel):
    learner_id: uuid.UUID
    source: str = Field(default="self", pattern="^(self|staff|api)$")


class BulkEnrolmentCreate(BaseModel):
    # each id is checked on its own: one that is not a UUID answers `invalid_learner_id` by its place in the list
    learner_ids: list[Any] = Field(min_length=1, max_length=1000, description="learner ids (UUIDs), in order")


class EnrolmentRead(BaseModel):
    id: int
    offering_id: int
    learner_id: uuid.UUID
    status: str
    position: int | None = Field(default=None, description="place in the waitlist, 1 = next; null unless waitlisted")
    priority_class: int
    seat_kind: str | None
    content_locked: bool
    missing_prerequisites: list[str]
    applied_at: datetime
    enrolled_at: datetime | None
    offer_expires_at: datetime | None
    withdrawn_at: datetime | None
    completion_status: str | None


class BulkEnrolmentItem(BaseModel):
    index: int = Field(description="the item's place in learner_ids")
    learner_id: uuid.UUID | str = Field(description="the id as sent when it is not a UUID (invalid_learner_id)")
    enrolment: EnrolmentRead | None = None
    error: str | None = None
    detail: object = None


class WithdrawalRead(BaseModel):
    enrolment: EnrolmentRead
    promoted: EnrolmentRead | None = None


class PathRead(BaseModel):
    learner_id: uuid.UUID
    target: str
    courses: list[dict]


class ErasureRead(BaseModel):
    learner_id: uuid.UUID
    erased_at: datetime
    enrolments_kept_anonymous: int
    matches_removed: int


class LearnerAccessRead(BaseModel):
    id: int
    at: datetime
    actor_id: str
    actor_role: str | None
    actor_company: str | None
    action: str
    learner_id: uuid.UUID | None
    detail: dict


class StaffEnrolmentRead(EnrolmentRead):
    name: str
    consent_to_share: bool
    sessions_attended: int
    projects_passed: int
    assessment_score: float | None
