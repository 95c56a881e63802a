"""Request and response shapes of readings: a kiosk sitting or glucose sample, a batch, and the sync protocol's
quarantine and device clocks (README "Sync protocol"). Request bodies refuse unknown fields."""

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, computed_field, field_validator

from services.health_hubs.readings.domain import classify_bp
from services.health_hubs.readings.rules import RULE_SETS

BpFlag = Literal["body_movement", "cuff_loose", "irregular_pulse", "pulse_out_of_range", "position_improper"]


class BpMeasurement(BaseModel, extra="forbid"):
    systolic: int = Field(ge=0, le=1000)
    diastolic: int = Field(ge=0, le=1000)
    map_mmhg: int | None = Field(default=None, ge=0, le=1000)
    pulse_bpm: int | None = Field(default=None, ge=0, le=1000)
    flags: list[BpFlag] = []
    device_time: datetime | None = None


class ReadingIn(BaseModel, extra="forbid"):
    client_id: uuid.UUID = Field(description="made by the kiosk; a retry with the same id records nothing new")
    resident_id: uuid.UUID
    kind: Literal["bp", "glucose"]
    measured_at: datetime = Field(description="device time of the sitting (aware)")
    bp: list[BpMeasurement] | None = Field(default=None, min_length=1, max_length=6)
    glucose_mg_dl: int | None = Field(default=None, ge=0, le=5000)
    meal_context: Literal["fasting", "postprandial", "random"] | None = None
    sample_type: Literal["capillary_whole_blood", "capillary_plasma", "venous_plasma", "control_solution",
                         "unknown"] | None = None
    meter_seq: int | None = Field(default=None, ge=0, le=65535)

    @field_validator("measured_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("measured_at needs a time zone")
        return value


class BatchItem(ReadingIn):
    updated_at: datetime | None = Field(default=None, description="device time of the record's last edit")
    deleted: bool = False

    @field_validator("updated_at")
    @classmethod
    def _aware_updated(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("updated_at needs a time zone")
        return value


class BatchIn(BaseModel, extra="forbid"):
    # Each item is validated on its own (a malformed one is `rejected` by its index, the rest are stored).
    items: list[Any] = Field(min_length=1, description="readings as BatchItem; see README 'Sync protocol'")


class NextStep(BaseModel):
    code: str
    ko: str
    en: str


class BpGrade(BaseModel):
    """A BP reading's guideline grade and its flags (isolated_systolic, crisis), derived from its values under its
    rule version, beside the one-word `category` (readings/domain.py BpClassification)."""

    @computed_field
    @property
    def bp_grade(self) -> str | None:
        bp = self._bp()
        return bp.grade if bp else None

    @computed_field
    @property
    def bp_flags(self) -> list[str]:
        bp = self._bp()
        return list(bp.flags) if bp else []

    def _bp(self):
        rules = RULE_SETS.get(self.rule_version)
        if self.kind != "bp" or rules is None or self.systolic is None or self.diastolic is None:
            return None
        return classify_bp(self.systolic, self.diastolic, rules)


class ReadingAnswer(BpGrade):
    client_id: uuid.UUID
    resident_id: uuid.UUID
    kind: str
    measured_at: datetime
    systolic: int | None = None
    diastolic: int | None = None
    map_mmhg: int | None = None
    pulse_bpm: int | None = None
    glucose_mg_dl: int | None = None
    meal_context: str | None = None
    protocol_complete: bool
    category: str
    rule_version: str
    next_step: NextStep
    alert_id: uuid.UUID | None = None
    deleted: bool = False
    replayed: bool = False


class BatchResult(BaseModel):
    index: int = Field(description="the item's position in the batch")
    client_id: uuid.UUID | None
    # created | updated | deleted | unchanged | stale | ignored_deleted | quarantined | rejected
    outcome: str
    error: str | None = None
    detail: str | None = None
    category: str | None = None
    quarantine_id: uuid.UUID | None = None


class BatchAnswer(BaseModel):
    results: list[BatchResult]
    counts: dict[str, int]


class ReadingRead(BpGrade):
    id: uuid.UUID
    resident_id: uuid.UUID
    centre_id: str  # where it was measured
    home_centre_id: str | None = None  # the resident's home centre then (README "Sync protocol")
    kind: str
    measured_at: datetime
    systolic: int | None
    diastolic: int | None
    map_mmhg: int | None
    pulse_bpm: int | None
    raw: list
    flags: list
    protocol_complete: bool
    glucose_mg_dl: int | None
    meal_context: str | None
    category: str
    rule_version: str
    deleted_at: datetime | None


# ---- the sync protocol's quarantine and device clocks ------------------------------------------------------


class QuarantineRead(BaseModel):
    id: uuid.UUID
    client_id: uuid.UUID
    resident_id: uuid.UUID
    device_id: str
    centre_id: str
    reason: str
    measured_at: datetime
    edited_at: datetime
    skew_s: float | None
    suggested_measured_at: datetime | None
    category: str | None
    received_at: datetime
    status: str
    decided_at: datetime | None
    decided_by: str | None
    outcome: str | None


class QuarantineConfirm(BaseModel, extra="forbid"):
    measured_at: datetime | None = Field(default=None, description="when the reading was really taken (aware); "
                                         "default: the suggested time, else the device's")

    @field_validator("measured_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("measured_at needs a time zone")
        return value


class ConfirmAnswer(BaseModel):
    quarantine: QuarantineRead
    outcome: str
    reading: ReadingAnswer | None


class QuarantinedAnswer(BaseModel):
    """202 to a live reading held for its device time: the resident still gets the advice for the values."""

    client_id: uuid.UUID
    resident_id: uuid.UUID
    kind: str
    measured_at: datetime
    quarantined: bool = True
    quarantine_id: uuid.UUID
    error: str
    detail: str
    category: str | None
    next_step: NextStep | None


class DeviceClockRead(BaseModel):
    device_id: str
    centre_id: str
    skew_s: float | None = Field(description="device clock minus server clock, seconds (positive: ahead)")
    source: str | None
    observed_at: datetime | None
    quarantined_open: int
