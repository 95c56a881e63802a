"""Tables of safe work: site safety settings, gas detectors and their channels, safety alarms and their mail
outbox, hazardous-work permits with entries and exits, accidents and near misses, hours worked."""

from datetime import datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field

from services.common.db import UTCDateTime
from services.industry.models import IndustryModel


class SafetySite(IndustryModel, table=True):
    """A site's safety manager (who gets the escalations) and its own gas limits, stricter than the law."""

    __tablename__ = "safety_site"

    site_id: str = Field(primary_key=True, foreign_key="site.id", max_length=40)
    manager_name: str = Field(default="", max_length=80)
    manager_email: str = Field(default="", max_length=200)
    # {gas: {"low": x, "high": y}}; each tightens the legal limit (a looser one is ignored)
    gas_limits: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    gas_limits_source: str = Field(default="", max_length=200)


class GasDetector(IndustryModel, table=True):
    __tablename__ = "gas_detector"

    id: str = Field(primary_key=True, max_length=40)
    site_id: str = Field(foreign_key="site.id", index=True, max_length=40)
    work_unit_id: str = Field(foreign_key="work_unit.id", max_length=40)
    space: str = Field(max_length=80, index=True)  # the confined space or area it watches
    kind: str = Field(default="fixed", max_length=10)  # fixed | portable
    stale_after_s: float = 120.0
    bump_interval_h: float = 24.0
    last_bump_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    registered_at: datetime = Field(sa_type=UTCDateTime)


class DetectorChannel(IndustryModel, table=True):
    """One gas (or the status word) of a detector: a sensor whose readings come through telemetry ingest."""

    __tablename__ = "detector_channel"

    sensor_id: int = Field(primary_key=True, foreign_key="sensor.id")
    detector_id: str = Field(foreign_key="gas_detector.id", index=True, max_length=40)
    gas: str = Field(max_length=10)  # o2 | co | h2s | co2 | lel | status
    last_ts: datetime | None = Field(default=None, sa_type=UTCDateTime)  # newest reading evaluated
    last_value: float | None = None


class SafetyAlarm(IndustryModel, table=True):
    # One open alarm per detector and cause; `open_slot` is NULL once cleared (NULLs never collide).
    __tablename__ = "safety_alarm"
    __table_args__ = (UniqueConstraint("detector_id", "cause", "open_slot"),)

    id: int | None = Field(default=None, primary_key=True)
    detector_id: str = Field(foreign_key="gas_detector.id", index=True, max_length=40)
    site_id: str = Field(max_length=40, index=True)
    space: str = Field(max_length=80)
    kind: str = Field(max_length=16)  # gas | sensor_error | no_data | stale | bump_overdue
    cause: str = Field(max_length=24)  # "gas:co" | "sensor_error" | "stale" ...
    severity: str = Field(max_length=10)  # critical (gas) | warning (faults)
    state: str = Field(default="open", max_length=14)  # open | acknowledged | cleared
    open_slot: str | None = Field(default="open", max_length=4)
    message: str = Field(default="", max_length=300)
    value: float | None = None
    peak_value: float | None = None
    opened_at: datetime = Field(sa_type=UTCDateTime, index=True)
    escalated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    acked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    acked_by: str | None = Field(default=None, max_length=80)
    cleared_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cleared_by: str | None = Field(default=None, max_length=80)


class SafetyOutbox(IndustryModel, table=True):
    """A message to send, written in the same transaction as its cause; the delivery job sends it once."""

    __tablename__ = "safety_outbox"
    __table_args__ = (UniqueConstraint("alarm_id", "event", "recipient"),)

    id: int | None = Field(default=None, primary_key=True)
    alarm_id: int = Field(foreign_key="safety_alarm.id", index=True)
    event: str = Field(max_length=16)  # opened
    channel: str = Field(default="email", max_length=10)
    recipient: str = Field(max_length=200)
    subject: str = Field(max_length=200)
    body: str = Field(max_length=2000)
    status: str = Field(default="pending", max_length=10, index=True)  # pending | handover | sent | failed
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Permit(IndustryModel, table=True):
    """A hazardous-work permit: pending until suitable pre-entry air opens it, closed only with nobody inside."""

    id: int | None = Field(default=None, primary_key=True)
    site_id: str = Field(foreign_key="site.id", index=True, max_length=40)
    kind: str = Field(max_length=16)  # confined_space | hot_work
    space: str = Field(max_length=80)
    detector_id: str | None = Field(default=None, foreign_key="gas_detector.id", max_length=40)
    work: str = Field(default="", max_length=200)
    attendant: str = Field(max_length=80)
    issued_by: str = Field(max_length=80)
    status: str = Field(default="pending", max_length=10, index=True)  # pending | open | closed
    pre_entry: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    pre_entry_at: datetime = Field(sa_type=UTCDateTime)
    inside: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    entries: int = 0
    exits: int = 0
    requested_at: datetime = Field(sa_type=UTCDateTime)
    opened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PermitMovement(IndustryModel, table=True):
    __tablename__ = "permit_movement"

    id: int | None = Field(default=None, primary_key=True)
    permit_id: int = Field(foreign_key="permit.id", index=True)
    person: str = Field(max_length=80)
    direction: str = Field(max_length=3)  # in | out
    at: datetime = Field(sa_type=UTCDateTime)


class SafetyEvent(IndustryModel, table=True):
    """An accident or a near miss at a company's site."""

    __tablename__ = "safety_event"

    id: int | None = Field(default=None, primary_key=True)
    company_id: str = Field(index=True, max_length=40)  # a programme company or a site's company
    site_id: str | None = Field(default=None, max_length=40)
    kind: str = Field(max_length=10)  # near_miss | injury | lost_time | fatal
    category: str = Field(default="other", max_length=12)
    occurred_at: datetime = Field(sa_type=UTCDateTime, index=True)
    lost_days: int = 0
    place: str = Field(default="", max_length=120)
    description: str = Field(default="", max_length=1000)
    reported_at: datetime = Field(sa_type=UTCDateTime)
    reported_via: str = Field(default="api", max_length=8)  # api | phone


class WorkforceYear(IndustryModel, table=True):
    """A company's workers (the 재해율 denominator) and hours worked (LTIFR) in a calendar year."""

    __tablename__ = "workforce_year"

    company_id: str = Field(primary_key=True, max_length=40)
    year: int = Field(primary_key=True)
    workers: int
    hours_worked: float
