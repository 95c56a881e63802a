"""API shapes of safe work; no tables here."""

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class SafetySiteIn(BaseModel):
    manager_name: str = Field(default="", max_length=80)
    manager_email: str = Field(default="", max_length=200, pattern=r"^$|^[^@\s]+@[^@\s]+$")
    gas_limits: dict[str, dict[str, float]] = Field(default_factory=dict)
    gas_limits_source: str = Field(default="", max_length=200)


class DetectorCreate(BaseModel):
    id: str = Field(min_length=1, max_length=30, pattern=r"^[A-Za-z0-9_-]+$")
    work_unit_id: str = Field(max_length=40)
    space: str = Field(min_length=1, max_length=80)
    kind: Literal["fixed", "portable"] = "fixed"
    gases: list[str] = Field(default_factory=lambda: ["o2", "co", "h2s", "co2", "lel"], max_length=5)
    stale_after_s: float = Field(default=120.0, gt=0, le=86_400)
    bump_interval_h: float = Field(default=24.0, gt=0, le=24 * 31)
    last_bump_at: AwareDatetime | None = None


class DetectorRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    site_id: str
    work_unit_id: str
    space: str
    kind: str
    stale_after_s: float
    bump_interval_h: float
    last_bump_at: datetime | None
    tags: list[str] = []


class BumpTestIn(BaseModel):
    at: AwareDatetime
    passed: bool = True


class SafetyAlarmRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    detector_id: str
    site_id: str
    space: str
    kind: str
    cause: str
    severity: str
    state: str
    message: str
    value: float | None
    peak_value: float | None
    opened_at: datetime
    escalated_at: datetime | None
    acked_at: datetime | None
    cleared_at: datetime | None
    cleared_by: str | None


class GasReadings(BaseModel):
    o2: float | None = Field(default=None, ge=0, le=30)
    co: float | None = Field(default=None, ge=0, le=2000)
    h2s: float | None = Field(default=None, ge=0, le=500)
    co2: float | None = Field(default=None, ge=0, le=10)
    lel: float | None = Field(default=None, ge=0, le=100)


class PermitCreate(BaseModel):
    site_id: str = Field(max_length=40)
    kind: Literal["confined_space", "hot_work"]
    space: str = Field(min_length=1, max_length=80)
    detector_id: str | None = Field(default=None, max_length=40)
    work: str = Field(default="", max_length=200)
    attendant: str = Field(min_length=1, max_length=80)
    pre_entry: GasReadings
    pre_entry_at: AwareDatetime


class MovementIn(BaseModel):
    person: str = Field(min_length=1, max_length=80)
    direction: Literal["in", "out"]


class PermitRead(BaseModel):
    id: int
    site_id: str
    kind: str
    space: str
    detector_id: str | None
    work: str
    attendant: str
    issued_by: str
    status: str
    pre_entry: dict
    pre_entry_at: datetime
    inside: list[str]
    people_inside: int
    entries: int
    exits: int
    requested_at: datetime
    opened_at: datetime | None
    closed_at: datetime | None
    gas: list[dict] = []


class EventCreate(BaseModel):
    site_id: str = Field(max_length=40)
    kind: Literal["near_miss", "injury", "lost_time", "fatal"]
    category: str = Field(default="other", max_length=12)
    occurred_at: AwareDatetime
    lost_days: int = Field(default=0, ge=0, le=10_000)
    place: str = Field(default="", max_length=120)
    description: str = Field(default="", max_length=1000)


class NearMissIn(BaseModel):
    """What the phone page sends: a near miss, no name."""
    site_id: str = Field(max_length=40)
    category: str = Field(max_length=12)
    occurred_at: AwareDatetime
    place: str = Field(default="", max_length=120)
    description: str = Field(default="", max_length=1000)


class EventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    company_id: str
    site_id: str | None
    kind: str
    category: str
    occurred_at: datetime
    lost_days: int
    place: str
    description: str
    reported_at: datetime
    reported_via: str


class WorkforceIn(BaseModel):
    company_id: str = Field(max_length=40)
    year: int = Field(ge=2000, le=2100)
    workers: int = Field(ge=0, le=1_000_000)
    hours_worked: float = Field(ge=0, le=3e9)
