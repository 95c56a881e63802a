"""Tables of the SME smart-factory programme: companies, projects, targets and published survey results."""

from datetime import date

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from services.industry.models import IndustryModel


class Company(IndustryModel, table=True):
    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=120)
    name_ko: str = Field(default="", max_length=120)
    sector: str = Field(default="", max_length=60)
    employees: int | None = None
    site_id: str | None = Field(default=None, foreign_key="site.id", max_length=40)


class SmartFactoryProject(IndustryModel, table=True):
    """One company's smart-factory build: who paid what, the maturity reached, and before/after figures."""

    __tablename__ = "smart_factory_project"

    id: str = Field(primary_key=True, max_length=40)
    company_id: str = Field(foreign_key="company.id", index=True, max_length=40)
    title: str = Field(max_length=200)
    status: str = Field(default="planned", max_length=10)  # planned | building | built
    start_date: date | None = None
    completed_date: date | None = None
    level_before: str = Field(default="none", max_length=16)
    level_after: str | None = Field(default=None, max_length=16)
    funding_company_krw: int = 0
    funding_steelmaker_krw: int = 0
    funding_ministry_krw: int = 0
    # Before/after, each in the project's own units: output per hour, defect %, cost per unit (KRW), days.
    productivity_before: float | None = None
    productivity_after: float | None = None
    defect_rate_before: float | None = None
    defect_rate_after: float | None = None
    unit_cost_before: float | None = None
    unit_cost_after: float | None = None
    delivery_days_before: float | None = None
    delivery_days_after: float | None = None


class ProgrammeTarget(IndustryModel, table=True):
    __tablename__ = "programme_target"

    key: str = Field(primary_key=True, max_length=40)  # smes_built | funding_krw | ...
    label: str = Field(max_length=160)
    target: float
    unit: str = Field(max_length=20)
    target_year: int
    published_actual: float | None = None  # as reported by the programme, beside our own count
    published_year: int | None = None
    source: str = Field(max_length=300)


class SurveyResult(IndustryModel, table=True):
    """A published survey figure, kept as published: sources disagree, so they stand side by side."""

    __tablename__ = "survey_result"
    __table_args__ = (UniqueConstraint("source", "year", "metric"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=160)
    year: int
    metric: str = Field(max_length=20)  # productivity | quality | cost | delivery_time
    change_pct: float
    note: str = Field(default="", max_length=300)
