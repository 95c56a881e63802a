"""API shapes of the SME programme."""

from datetime import date

from pydantic import BaseModel, Field

LEVEL_PATTERN = "^(none|basic|intermediate_1|intermediate_2|advanced)$"


class CompanyCreate(BaseModel):
    id: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str = Field(min_length=1, max_length=120)
    name_ko: str = Field(default="", max_length=120)
    sector: str = Field(default="", max_length=60)
    employees: int | None = Field(default=None, ge=0)
    site_id: str | None = Field(default=None, max_length=40)


class ProjectCreate(BaseModel):
    id: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    company_id: str = Field(max_length=40)
    title: str = Field(min_length=1, max_length=200)
    status: str = Field(default="planned", pattern="^(planned|building|built)$")
    start_date: date | None = None
    completed_date: date | None = None
    level_before: str = Field(default="none", pattern=LEVEL_PATTERN)
    level_after: str | None = Field(default=None, pattern=LEVEL_PATTERN)
    funding_company_krw: int = Field(default=0, ge=0)
    funding_steelmaker_krw: int = Field(default=0, ge=0)
    funding_ministry_krw: int = Field(default=0, ge=0)
    productivity_before: float | None = Field(default=None, ge=0)
    productivity_after: float | None = Field(default=None, ge=0)
    defect_rate_before: float | None = Field(default=None, ge=0, le=100)
    defect_rate_after: float | None = Field(default=None, ge=0, le=100)
    unit_cost_before: float | None = Field(default=None, ge=0)
    unit_cost_after: float | None = Field(default=None, ge=0)
    delivery_days_before: float | None = Field(default=None, ge=0)
    delivery_days_after: float | None = Field(default=None, ge=0)


class ProjectRead(ProjectCreate):
    company_name: str
    funding: dict
    improvements_pct: dict
    levels_gained: int | None


class SurveyResultIn(BaseModel):
    source: str = Field(min_length=1, max_length=160)
    year: int = Field(ge=2000, le=2100)
    metric: str = Field(pattern="^(productivity|quality|cost|delivery_time)$")
    change_pct: float
    note: str = Field(default="", max_length=300)
