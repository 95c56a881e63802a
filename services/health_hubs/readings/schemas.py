"""Shapes of the sync protocol's quarantine and device clocks (README "Sync protocol")."""

import uuid
from datetime import datetime

from pydantic import BaseModel, Field, field_validator

from services.health_hubs.schemas import NextStep, ReadingAnswer, Strict


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


class QuarantineConfirm(Strict):
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
