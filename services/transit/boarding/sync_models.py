"""Tables of a bus's offline queue (README "Sync protocol"): boardings held for their device time until an
official confirms or discards them, and the clock skew each bus last reported."""

import uuid
from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from services.common.db import UTCDateTime
from services.transit.models import TransitModel


class BoardingHold(TransitModel, table=True):
    """A queued boarding whose occurred_at is outside the windows (or whose bus clock is off). The event's fields
    only: its frames are never kept (no face image is stored), so a confirmed hold is decided as a card tap."""

    __tablename__ = "boarding_hold"
    __table_args__ = (UniqueConstraint("event_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    event_id: uuid.UUID
    device_id: str = Field(max_length=64)
    bus_id: str = Field(max_length=40)
    route_id: str = Field(max_length=40)
    stop_id: str = Field(max_length=40)
    card_id: str | None = Field(default=None, max_length=40)
    occurred_at: datetime = Field(sa_type=UTCDateTime())  # as the bus sent it
    reason: str = Field(max_length=32)
    skew_s: float | None = None
    suggested_occurred_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    frames: int = 0  # how many frames came with it (not kept)
    received_at: datetime = Field(sa_type=UTCDateTime())
    status: str = Field(default="open", max_length=12, index=True)  # open | confirmed | discarded
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    decided_by: str | None = Field(default=None, max_length=64)


class BusClock(TransitModel, table=True):
    """The last clock skew a bus reported in X-Device-Time (device minus server, seconds; positive: ahead)."""

    __tablename__ = "bus_clock"

    device_id: str = Field(primary_key=True, max_length=64)
    bus_id: str = Field(max_length=40)
    skew_s: float
    observed_at: datetime = Field(sa_type=UTCDateTime())
