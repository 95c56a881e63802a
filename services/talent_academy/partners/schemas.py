"""API shapes of partners."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field


class CompanyCreate(BaseModel):
    id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_-]+$")
    name: str = Field(min_length=1, max_length=200)
    is_partner: bool = True
    parent_id: str | None = Field(default=None, max_length=64)


class CompanyRead(CompanyCreate):
    pass


class OpeningCreate(BaseModel):
    company_id: str = Field(max_length=64)
    title: str = Field(min_length=1, max_length=200)
    track_id: str | None = Field(default=None, max_length=40)
    seats: int = Field(ge=1, le=1000)
    required_skills: list[str] = Field(default_factory=list, max_length=50)


class OpeningRead(OpeningCreate):
    id: int
    status: str
    seats_matched: int = 0
    hired: int = 0


class CommitmentCreate(BaseModel):
    company_id: str = Field(max_length=64)
    track_id: str = Field(max_length=40)
    year: int = Field(ge=2000, le=2100)
    seats: int = Field(ge=1, le=10_000)


class CommitmentRead(CommitmentCreate):
    id: int
    hired: int = 0


class MatchRead(BaseModel):
    id: int
    opening_id: int
    company_id: str
    enrolment_id: int
    learner_id: uuid.UUID
    fit: float
    explanation: dict
    status: str
    updated_at: datetime


class MatchMove(BaseModel):
    status: str = Field(pattern="^(interview|offer|hired|rejected)$")


class MatchingRun(BaseModel):
    track_id: str | None = Field(default=None, max_length=40)


class CandidateRead(BaseModel):
    enrolment_id: int
    learner_id: uuid.UUID
    track_id: str
    course_id: str
    cohort: str
    ended_on: date
    skills: list[str]
    assessment_score: float | None


class NominationCreate(BaseModel):
    opening_id: int
