"""API shapes of the applicants' pages (public: no account, no password)."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field


class ApplicationCreate(BaseModel):
    offering_id: int
    name: str = Field(min_length=1, max_length=120)
    birth_date: date
    residence: str = Field(min_length=1, max_length=64)
    contact: str = Field(min_length=3, max_length=120, description="phone or e-mail for offers")
    skills: list[str] = Field(default_factory=list, max_length=20)
    consent_privacy: bool = Field(description="consent to the collection and use of the details above (required)")
    consent_to_share: bool = Field(default=False, description="partners may see the profile after completion")


class Lookup(BaseModel):
    application_no: str = Field(min_length=4, max_length=16)
    birth_date: date


class ApplicationStatus(BaseModel):
    application_no: str
    token: str | None = None  # only in the answer that made the link
    learner_id: uuid.UUID
    name: str
    offering_id: int
    offering_code: str
    course_title: str
    track_id: str
    cohort: str
    starts_on: date
    ends_on: date
    status: str
    position: int | None
    offer_expires_at: datetime | None
    content_locked: bool
    missing_prerequisites: list[str]
    completion_status: str | None
    consent_to_share: bool
    applied_at: datetime
