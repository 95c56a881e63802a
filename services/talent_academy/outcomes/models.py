"""Tables of outcomes: employment observed 3 and 6 months after a cohort's end."""

from datetime import date, datetime

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field

from services.common.db import UTCDateTime, utcnow
from services.talent_academy.models import TalentAcademyModel


class Outcome(TalentAcademyModel, table=True):
    __table_args__ = (UniqueConstraint("enrolment_id", "checkpoint_months"),)

    id: int | None = Field(default=None, primary_key=True)
    enrolment_id: int = Field(foreign_key="enrolment.id", index=True)
    checkpoint_months: int  # 3 or 6
    employed: bool
    in_field: bool = False
    company_id: str | None = Field(default=None, max_length=64)
    partner_hire: bool = False
    observed_on: date  # the date of the evidence (survey answer, insurance record, the partner's hire)
    employed_on: date | None = None  # the first day of the job: the date the outcome happened
    evidence_source: str = Field(default="survey", max_length=32)  # survey | employment_insurance | partner_hire
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
