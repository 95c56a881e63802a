"""API shapes of transit signals (no tables here)."""

import uuid
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, Field


class TrackPointIn(BaseModel):
    t: AwareDatetime = Field(description="with its UTC offset (a time without one is not placed on the clock)")
    position_m: float = Field(description="distance walked from the kerb the walker entered at")
    speed_mps: float | None = Field(default=None, description="the detector's own speed estimate, if any")


class TrackIn(BaseModel):
    track_id: str = Field(min_length=1, max_length=64, description="the detector's own short-lived id")
    points: list[TrackPointIn] = Field(min_length=1, max_length=600)


class TrackBatchIn(BaseModel):
    batch_id: uuid.UUID = Field(description="made by the detector; a retry with the same id changes nothing")
    sent_at: datetime
    detector_status: str = Field(default="ok", pattern="^(ok|fault)$")
    kerb_waiting: int = Field(default=0, ge=0, le=500)
    # Each track is checked on its own (TrackIn): one malformed track is refused by its index, the others are used.
    tracks: list[Any] = Field(default_factory=list, max_length=200,
                              description="TrackIn objects: track_id and points [{t, position_m, speed_mps}]")


class DecisionRead(BaseModel):
    crossing_id: str
    at: datetime
    phase: str
    remaining_s: float | None
    cycle_no: int
    mode: str
    request: bool
    clearance_floor_s: float
    clearance_cap_s: float


class PointRejectionRead(BaseModel):
    track_id: str
    index: int = Field(description="the point's place in that track's points list")
    reason: str = Field(description="position_not_finite | position_outside_crossing | time_in_future | "
                                    "duplicate_time | speed_not_finite | speed_impossible | implied_speed_impossible")
    detail: str


class TrackRejectionRead(BaseModel):
    index: int = Field(description="the track's place in the batch's tracks list")
    track_id: str | None
    reason: str = Field(description="malformed_track")
    detail: str


class TrackBatchResult(BaseModel):
    batch_id: uuid.UUID
    points_accepted: int
    points_rejected: int
    rejections: list[PointRejectionRead] = Field(default_factory=list)
    tracks_rejected: list[TrackRejectionRead] = Field(default_factory=list)
    decision: DecisionRead
    duplicate: bool = False


class AdvanceRequestIn(BaseModel):
    request_id: uuid.UUID
    extra_s: float | None = Field(default=None, gt=0, le=13, description="default 6 s (Green Man+ average)")


class AdvanceRequestRead(BaseModel):
    request_id: uuid.UUID
    crossing_id: str
    requested_at: datetime
    expires_at: datetime
    extra_s: float
    served_cycle_no: int | None
    duplicate: bool = False


class ExtensionRead(BaseModel):
    id: int
    crossing_id: str
    cycle_no: int
    at: datetime
    reason: str
    track_key: str | None
    speed_mps: float | None
    remaining_m: float | None
    extension_s: float
    capped: bool


class CycleRead(BaseModel):
    id: int
    crossing_id: str
    cycle_no: int
    ended_at: datetime
    clearance_s: float
    floor_s: float
    extended_s: float
    ended_by: str
    mode: str


class CrossingRead(BaseModel):
    id: str
    name: str
    intersection_id: str
    lat: float
    lon: float
    length_m: float
    lanes: int
    zone: str
    design_speed_mps: float
    walk_s: float
    clearance_floor_s: float
    clearance_cap_s: float
    detector: str  # ok | fault | silent | never
    measured_p15_mps: float | None
    measured_tracks: int
    design_speed_too_fast: bool | None
    reviewed_at: datetime | None
    cycles_7d: int
    extended_cycles_7d: int
    extensions_7d: int
    mean_extension_s_7d: float | None
    max_extension_s_7d: float | None
    fail_safe_cycles_7d: int


class CrossingPage(BaseModel):
    items: list[CrossingRead]
