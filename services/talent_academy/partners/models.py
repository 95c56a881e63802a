"""Tables of partners: companies, openings, hiring commitments and matches of graduates to openings."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field

from services.common.db import UTCDateTime, utcnow
from services.talent_academy.models import TalentAcademyModel


class Company(TalentAcademyModel, table=True):
    id: str = Field(primary_key=True, max_length=64)  # "steelworks"; the place of a partner account
    name: str = Field(max_length=200)
    is_partner: bool = True
    parent_id: str | None = Field(default=None, max_length=64)  # the group a sister company belongs to


class Opening(TalentAcademyModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    company_id: str = Field(foreign_key="company.id", index=True, max_length=64)
    title: str = Field(max_length=200)
    track_id: str | None = Field(default=None, max_length=40)  # the field the job is in
    seats: int = Field(ge=1)
    required_skills: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="open", max_length=16)  # open | closed
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class HiringCommitment(TalentAcademyModel, table=True):
    __tablename__ = "hiring_commitment"
    __table_args__ = (UniqueConstraint("company_id", "track_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: str = Field(foreign_key="company.id", index=True, max_length=64)
    track_id: str = Field(max_length=40)
    year: int
    seats: int = Field(ge=1)


class Match(TalentAcademyModel, table=True):
    __table_args__ = (UniqueConstraint("opening_id", "learner_id"),)

    id: int | None = Field(default=None, primary_key=True)
    opening_id: int = Field(foreign_key="opening.id", index=True)
    company_id: str = Field(max_length=64, index=True)
    enrolment_id: int = Field(foreign_key="enrolment.id")
    learner_id: uuid.UUID = Field(index=True)
    fit: float
    explanation: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="proposed", max_length=16)  # proposed | interview | offer | hired | rejected
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
