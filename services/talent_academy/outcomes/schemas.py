"""API shapes of completion, outcomes and indicators."""

from datetime import date

from pydantic import BaseModel, Field


class ProgressUpdate(BaseModel):
    sessions_attended: int | None = Field(default=None, ge=0)
    projects_passed: int | None = Field(default=None, ge=0, le=100)
    assessment_score: float | None = Field(default=None, ge=0, le=100)


class CompletionResult(BaseModel):
    enrolment_id: int
    learner_id: str
    completion_status: str
    unmet: list[str]


class OutcomeCreate(BaseModel):
    checkpoint_months: int = Field(description="3 or 6")
    employed: bool
    in_field: bool = False
    company_id: str | None = Field(default=None, max_length=64)
    observed_on: date = Field(description="the date of the evidence; not before the programme, not in the future")
    employed_on: date | None = Field(default=None, description="the first day of the job (required if employed)")
    evidence_source: str = Field(default="survey", pattern="^(survey|employment_insurance|partner_hire|employer_letter)$")


class OutcomeRead(OutcomeCreate):
    id: int
    enrolment_id: int
    partner_hire: bool


class IndicatorRow(BaseModel):
    track_id: str
    offering_id: int | None = None
    cohort: str | None = None
    applications: int
    capacity: int
    starters: int | None
    waitlist_length: int
    fill_rate: float | None
    completers: int | None
    completion_rate: float | None
    employment_rate_3m: float | None
    employment_rate_6m: float | None
    in_field_rate_180d: float | None
    partner_hire_share: float | None
    suppressed: list[str]
    definitions: dict
