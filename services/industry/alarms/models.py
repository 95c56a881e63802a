"""Tables of alarms: rules on sensors, each rule's running state, and the alarms themselves."""

from datetime import datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field

from services.common.db import UTCDateTime
from services.industry.models import IndustryModel


class AlarmRule(IndustryModel, table=True):
    __tablename__ = "alarm_rule"

    id: int | None = Field(default=None, primary_key=True)
    sensor_id: int = Field(foreign_key="sensor.id", index=True)
    kind: str = Field(max_length=20)  # threshold | duration | rate_of_change | ewma | cusum
    severity: str = Field(default="warning", max_length=10)
    comparison: str = Field(default="above", max_length=6)
    limit: float = 0.0
    deadband: float = 0.0
    on_delay_s: float = 0.0
    duration_s: float = 0.0
    target: float = 0.0
    sigma: float = 1.0
    params: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    enabled: bool = True
    description: str = Field(default="", max_length=200)
    # ISA-18.2: in_service | suppressed_by_design (stepped, never annunciates) | out_of_service (not evaluated)
    mode: str = Field(default="in_service", max_length=24)
    mode_reason: str = Field(default="", max_length=300)
    mode_by: str | None = Field(default=None, max_length=80)
    mode_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AlarmRuleState(IndustryModel, table=True):
    __tablename__ = "alarm_rule_state"

    rule_id: int = Field(foreign_key="alarm_rule.id", primary_key=True)
    active: bool = False
    since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_ts: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_value: float | None = None
    stat: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Alarm(IndustryModel, table=True):
    # One open alarm per asset and type: `open_slot` is "open" until the alarm is cleared, then NULL, and NULLs
    # never collide in a unique constraint (SQLite and PostgreSQL alike).
    __table_args__ = (UniqueConstraint("sensor_id", "alarm_type", "open_slot"),)

    id: int | None = Field(default=None, primary_key=True)
    sensor_id: int = Field(foreign_key="sensor.id", index=True)
    site_id: str = Field(max_length=40, index=True)
    work_unit_id: str = Field(max_length=40)
    alarm_type: str = Field(max_length=20)  # threshold | duration | rate_of_change | drift
    rule_id: int | None = Field(default=None, foreign_key="alarm_rule.id")
    severity: str = Field(max_length=10)
    # open (unacknowledged) | acknowledged | rtn_unack (returned to normal, unacknowledged) | cleared (normal);
    # the ISA-18.2 name of each is domain.isa_state
    state: str = Field(default="open", max_length=14)
    open_slot: str | None = Field(default="open", max_length=4)
    message: str = Field(default="", max_length=300)
    value: float | None = None
    opened_at: datetime = Field(sa_type=UTCDateTime, index=True)
    acked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    acked_by: str | None = Field(default=None, max_length=80)
    cleared_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cleared_by: str | None = Field(default=None, max_length=80)  # "rule" or the person
    note: str = Field(default="", max_length=300)
    # shelving (ISA-18.2): who, why, and until when; time-limited
    shelved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    shelved_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    shelved_by: str | None = Field(default=None, max_length=80)
    shelved_reason: str | None = Field(default=None, max_length=300)
    escalated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # last re-alarm on a worse severity
    late: bool = False  # found after the fact, when a late backlog was re-evaluated
