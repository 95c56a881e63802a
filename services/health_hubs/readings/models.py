"""Tables of readings: kiosk sittings and glucose samples, the sync quarantine and kiosk clocks."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, Index, UniqueConstraint
from sqlmodel import Field

from services.health_hubs.models import HealthHubsModel, at_field


class Reading(HealthHubsModel, table=True):
    """One kiosk sitting (BP, the average of its raw measurements) or one glucose sample. `id` is the device's
    client_id, so a retry can never record twice."""

    # A resident's readings in time order; on PostgreSQL the index also carries what the indicators read, so
    # their latest-reading-per-resident probes are index-only (services/health_hubs/indicators/service.py).
    __table_args__ = (Index("ix_reading_resident_measured_covering", "resident_id", "measured_at", "id",
                            postgresql_include=["kind", "deleted_at", "received_at", "systolic", "diastolic",
                                                "glucose_mg_dl", "meal_context"]),)
    id: uuid.UUID = Field(primary_key=True)
    resident_id: uuid.UUID = Field(foreign_key="resident.id")
    centre_id: str = Field(max_length=8, index=True)  # where it was measured
    # the resident's home centre when measured (a resident may visit another centre; README "Sync protocol")
    home_centre_id: str | None = Field(default=None, max_length=8, index=True)
    device_id: str = Field(max_length=40)
    kind: str = Field(max_length=8)  # bp | glucose
    measured_at: datetime = at_field(index=True)  # device time of the measurement
    device_updated_at: datetime = at_field()  # device time of the record's last edit (newest wins)
    received_at: datetime = at_field()
    updated_at: datetime = at_field()
    deleted_at: datetime | None = at_field(nullable=True)
    systolic: int | None = None
    diastolic: int | None = None
    map_mmhg: int | None = None
    pulse_bpm: int | None = None
    raw: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    flags: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    protocol_complete: bool = True
    glucose_mg_dl: int | None = None
    meal_context: str | None = Field(default=None, max_length=16)  # fasting | postprandial | random
    sample_type: str | None = Field(default=None, max_length=24)
    meter_seq: int | None = None
    category: str = Field(max_length=24)
    rule_version: str = Field(max_length=20, index=True)
    next_step: str = Field(max_length=20)


class ReadingQuarantine(HealthHubsModel, table=True):
    """A kiosk item whose device times are not believable (outside the windows, or the kiosk's clock is off):
    kept as sent until staff confirm it (with a corrected time) or discard it; never silently stored or lost.
    One row per (device, client_id, device edit time), so a retried batch quarantines once. Goes with the
    resident on erasure (ON DELETE CASCADE)."""

    __tablename__ = "reading_quarantine"
    __table_args__ = (UniqueConstraint("device_id", "client_id", "edited_at"),)
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    client_id: uuid.UUID = Field(index=True)
    resident_id: uuid.UUID = Field(sa_column=Column(ForeignKey("resident.id", ondelete="CASCADE"), nullable=False,
                                                    index=True))
    device_id: str = Field(max_length=40)
    centre_id: str = Field(max_length=8, index=True)  # the measuring centre (its staff confirm)
    district: str = Field(max_length=20)
    reason: str = Field(max_length=32)  # a code of sync_rules.CLOCK_CODES
    measured_at: datetime = at_field()  # as the device sent it
    edited_at: datetime = at_field()
    skew_s: float | None = None  # the device clock minus the server's, when the device sent its clock
    suggested_measured_at: datetime | None = at_field(nullable=True)
    category: str | None = Field(default=None, max_length=24)  # for triage; None when the values are invalid
    item: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # the item as sent
    received_at: datetime = at_field()
    status: str = Field(default="open", max_length=12, index=True)  # open | confirmed | discarded
    decided_at: datetime | None = at_field(nullable=True)
    decided_by: str | None = Field(default=None, max_length=64)
    outcome: str | None = Field(default=None, max_length=20)  # the sync outcome of the confirmed item


class DeviceClock(HealthHubsModel, table=True):
    """The last clock skew seen per kiosk (device clock minus server clock, seconds; positive: ahead)."""

    __tablename__ = "device_clock"
    device_id: str = Field(primary_key=True, max_length=40)
    centre_id: str = Field(max_length=8, index=True)
    district: str = Field(max_length=20)
    skew_s: float
    source: str = Field(max_length=16)  # header (X-Device-Time) | measured_at (a live reading)
    observed_at: datetime = at_field()
