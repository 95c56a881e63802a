"""API shapes of telemetry."""

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class TelemetryBatchIn(BaseModel):
    """`readings`: [{"sensor": "<tag>", "ts": "<ISO 8601 with offset>" or epoch ms, "value": number}, ...].
    Items are checked one by one, so one bad item is reported and the rest are stored."""

    batch_id: uuid.UUID = Field(description="made by the gateway; a retry with the same id changes nothing")
    readings: list[Any] = Field(max_length=100_000)


class ItemErrorRead(BaseModel):
    index: int
    sensor: str | None
    code: str
    detail: str


class TelemetryBatchResult(BaseModel):
    batch_id: uuid.UUID
    accepted: int
    duplicates: int
    rejected: int
    errors: list[ItemErrorRead]
    replayed: bool


class LatestRead(BaseModel):
    sensor_id: int
    tag: str
    quantity: str
    unit: str
    work_unit_id: str
    ts: datetime | None = None
    value: float | None = None
    source: str | None = None
    stale: bool = False
    stale_reason: str | None = None


class SeriesPoint(BaseModel):
    ts: datetime
    value: float | None = None
    n: int | None = None
    mean: float | None = None
    total: float | None = None
    min: float | None = None
    max: float | None = None


class SparkplugNodeRead(BaseModel):
    group_id: str
    edge_node_id: str
    online: bool
    bd_seq: int | None
    last_seq: int | None
    seq_gaps: int
    births: int
    deaths: int
    last_birth_at: datetime | None
    last_death_at: datetime | None
    last_message_at: datetime | None


class SparkplugEventRead(BaseModel):
    at: datetime
    topic: str
    kind: str
    detail: dict
