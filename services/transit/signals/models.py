"""Tables of transit signals, on the transit registry: crossings (with their controller state), detector
batches and walker tracks (no identity: a detector's short-lived track id only), extensions, cycles,
mobility-need advance requests and the weekly design-speed review."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field

from services.common.db import UTCDateTime
from services.transit.models import TransitModel


class Crossing(TransitModel, table=True):
    __tablename__ = "signal_crossing"

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=120)
    intersection_id: str = Field(max_length=40, index=True)
    lat: float
    lon: float
    length_m: float
    lanes: int
    zone: str = Field(max_length=16)  # general | senior | child
    design_speed_mps: float | None = None  # None: the zone's
    controller_state: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    detector_seen_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    detector_status: str | None = Field(default=None, max_length=16)  # ok | fault
    kerb_waiting: int = 0
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class TrackBatch(TransitModel, table=True):
    """One detector report; its client-made id makes a retry return the same answer and record nothing."""

    __tablename__ = "signal_track_batch"

    id: uuid.UUID = Field(primary_key=True)
    crossing_id: str = Field(foreign_key="signal_crossing.id", index=True, max_length=40)
    device_id: str = Field(max_length=64)
    sent_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    received_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    detector_status: str = Field(max_length=16)
    kerb_waiting: int
    points_accepted: int
    points_rejected: int
    response: dict = Field(sa_column=Column(JSON, nullable=False))


class WalkerTrack(TransitModel, table=True):
    __tablename__ = "signal_walker_track"
    __table_args__ = (UniqueConstraint("crossing_id", "track_key"),)

    id: int | None = Field(default=None, primary_key=True)
    crossing_id: str = Field(foreign_key="signal_crossing.id", index=True, max_length=40)
    track_key: str = Field(max_length=64)
    first_seen_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    last_seen_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    last_position_m: float
    speed_mps: float | None = None  # current (last few seconds)
    walking_speed_mps: float | None = None  # whole track, stops left out: for the design review
    completed: bool = False
    points: list | None = Field(default=None, sa_column=Column(JSON, nullable=True))  # [[epoch_s, m], ...]


class Extension(TransitModel, table=True):
    __tablename__ = "signal_extension"

    id: int | None = Field(default=None, primary_key=True)
    crossing_id: str = Field(foreign_key="signal_crossing.id", index=True, max_length=40)
    cycle_no: int
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    reason: str = Field(max_length=40)  # walker_on_crossing | walker_stopped | mobility_need_request
    track_key: str | None = Field(default=None, max_length=64)
    speed_mps: float | None = None
    remaining_m: float | None = None
    extension_s: float
    capped: bool = False


class SignalCycle(TransitModel, table=True):
    __tablename__ = "signal_cycle"

    id: int | None = Field(default=None, primary_key=True)
    crossing_id: str = Field(foreign_key="signal_crossing.id", index=True, max_length=40)
    cycle_no: int
    ended_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    clearance_s: float
    floor_s: float
    extended_s: float
    ended_by: str = Field(max_length=16)  # gap_out | cleared | cap | fixed | fail_safe
    mode: str = Field(max_length=16)  # adaptive | fixed | fail_safe


class AdvanceRequest(TransitModel, table=True):
    """A rider with mobility needs asked, from the bus, for extra crossing time; no rider identity kept."""

    __tablename__ = "signal_advance_request"

    id: uuid.UUID = Field(primary_key=True)
    crossing_id: str = Field(foreign_key="signal_crossing.id", index=True, max_length=40)
    device_id: str = Field(max_length=64)
    requested_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    extra_s: float
    served_cycle_no: int | None = None
    served_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class DesignSpeedReview(TransitModel, table=True):
    __tablename__ = "signal_design_speed_review"

    id: int | None = Field(default=None, primary_key=True)
    crossing_id: str = Field(foreign_key="signal_crossing.id", index=True, max_length=40)
    reviewed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    window_days: int
    tracks: int
    p15_mps: float | None = None
    p50_mps: float | None = None
    p85_mps: float | None = None
    design_speed_mps: float
    too_fast: bool | None = None  # None: too few tracks to judge
