"""API shapes of the KPI engine."""

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ProductionRecordCreate(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)  # NaN and Infinity are refused (422), never stored
    id: uuid.UUID = Field(description="made by the sender; a retry with the same id stores nothing new")
    work_unit_id: str = Field(max_length=40)
    order_id: str | None = Field(default=None, max_length=60)
    period_start: datetime
    period_end: datetime
    pbt_s: float = Field(ge=0, description="planned busy time")
    apt_s: float = Field(ge=0, description="actual production time")
    aoet_s: float | None = Field(default=None, ge=0, description="actual order execution time (default: period)")
    pru_s: float = Field(ge=0, description="planned run time per unit")
    pq: float = Field(ge=0, description="produced quantity")
    gq: float = Field(ge=0, description="good quantity")
    sq: float = Field(default=0, ge=0, description="scrap quantity")
    rq: float = Field(default=0, ge=0, description="rework quantity")
    fe: int = Field(default=0, ge=0, description="failure events")
    ttr_s: float = Field(default=0, ge=0, description="time to restoration (TTR), summed over the failures")
    tbf_s: float | None = Field(default=None, ge=0, description="times between failures (TBF), summed, when "
                                "recorded apart; MTBF uses APT when absent")

    @model_validator(mode="after")
    def _check(self):
        if self.period_start.tzinfo is None or self.period_end.tzinfo is None:
            raise ValueError("period_start and period_end need a UTC offset")
        if self.period_end <= self.period_start:
            raise ValueError("period_end must be after period_start")
        if self.apt_s > self.pbt_s:
            raise ValueError("actual production time cannot exceed planned busy time")
        if self.pbt_s > (self.period_end - self.period_start).total_seconds() + 1e-6:
            raise ValueError("planned busy time cannot exceed the period")
        if self.gq + self.sq + self.rq > self.pq + 1e-9:
            raise ValueError("good + scrap + rework cannot exceed produced quantity")
        return self


class ProductionRecordRead(ProductionRecordCreate):
    aoet_s: float
    recorded_at: datetime


class Kpi(BaseModel):
    key: str
    label: str
    value: float | None
    unit: str
    formula: str
    inputs: dict[str, Any]
    note: str | None = None
    source: str | None = None  # where the formula comes from, "(verify)" when not confirmed
    benchmark: dict | None = None


class KpiReport(BaseModel):
    work_unit_id: str | None
    order_id: str | None
    start: datetime | None
    end: datetime | None
    records: int
    kpis: list[Kpi]
    benchmarks: dict


class OeeDay(BaseModel):
    day: date
    records: int
    availability: float | None
    effectiveness: float | None
    quality_ratio: float | None
    oee: float | None


class SteelReport(BaseModel):
    site_id: str
    day: date
    work_units: list[dict]
    site: list[Kpi]
