"""Tables of telemetry: readings, batches (idempotency), latest values, rollups and Sparkplug node state."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field

from services.common.db import UTCDateTime
from services.industry.models import IndustryModel


class Reading(IndustryModel, table=True):
    """One value of one sensor at one instant; (sensor, ts) is unique, so a resent reading is a no-op."""

    sensor_id: int = Field(primary_key=True)
    ts: datetime = Field(primary_key=True, sa_type=UTCDateTime)
    value: float


class TelemetryBatch(IndustryModel, table=True):
    """A gateway's batch, keyed by the UUID the gateway made: the same key gets the same answer."""

    __tablename__ = "telemetry_batch"

    id: uuid.UUID = Field(primary_key=True)
    gateway_id: str = Field(max_length=40, index=True)
    site_id: str = Field(max_length=40)
    received_at: datetime = Field(sa_type=UTCDateTime)
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class SensorLatest(IndustryModel, table=True):
    __tablename__ = "sensor_latest"

    sensor_id: int = Field(primary_key=True)
    ts: datetime = Field(sa_type=UTCDateTime)
    value: float
    source: str = Field(default="http", max_length=200)  # "http:<gateway>" | "spb:<group>/<node>[/<device>]"
    stale: bool = False
    stale_reason: str | None = Field(default=None, max_length=40)
    stale_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RollupDirty(IndustryModel, table=True):
    """Hours of a sensor that received readings since their rollup was last computed."""

    __tablename__ = "rollup_dirty"

    sensor_id: int = Field(primary_key=True)
    hour_start: datetime = Field(primary_key=True, sa_type=UTCDateTime)
    hour_end: datetime = Field(sa_type=UTCDateTime)
    # Set by the rollup job while it works; a new reading resets it, so that hour is done again next run.
    claim: str | None = Field(default=None, max_length=32, index=True)


class ReadingRollup(IndustryModel, table=True):
    """count / sum / min / max of a sensor per UTC minute or hour, or per local (Asia/Seoul) day."""

    __tablename__ = "reading_rollup"

    sensor_id: int = Field(primary_key=True)
    period: str = Field(primary_key=True, max_length=8)  # minute | hour | day
    bucket_start: datetime = Field(primary_key=True, sa_type=UTCDateTime)
    n: int
    total: float
    min_value: float
    max_value: float


class SparkplugNode(IndustryModel, table=True):
    __tablename__ = "sparkplug_node"
    __table_args__ = (UniqueConstraint("group_id", "edge_node_id"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: str = Field(max_length=80)
    edge_node_id: str = Field(max_length=80)
    online: bool = False
    bd_seq: int | None = None
    last_seq: int | None = None
    seq_gaps: int = 0
    births: int = 0
    deaths: int = 0
    last_birth_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_death_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_message_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # "<device or empty>:<alias>" -> metric name, learnt from NBIRTH/DBIRTH.
    aliases: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class SparkplugEvent(IndustryModel, table=True):
    """What the consumer noticed: births, deaths, sequence gaps, bad payloads, unknown metrics."""

    __tablename__ = "sparkplug_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    topic: str = Field(max_length=300)
    kind: str = Field(max_length=30)  # birth | death | seq_gap | bad_payload | bad_topic | unknown_metric
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
