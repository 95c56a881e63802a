"""Tables of care: alerts and what was done about them, referrals, follow-up calls, and the escalation
chain's contacts and outbox."""

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field

from services.health_hubs.models import HealthHubsModel, at_field


class Alert(HealthHubsModel, table=True):
    __table_args__ = (UniqueConstraint("reading_id", "kind"),)
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    resident_id: uuid.UUID = Field(foreign_key="resident.id", index=True)
    reading_id: uuid.UUID = Field(foreign_key="reading.id")
    centre_id: str = Field(max_length=8, index=True)
    district: str = Field(max_length=20)
    kind: str = Field(max_length=24)  # bp_crisis | hypoglycaemia
    category: str = Field(max_length=24)
    status: str = Field(default="open", max_length=16, index=True)  # open | acknowledged | resolved
    created_at: datetime = at_field()
    ack_due_at: datetime = at_field()
    acknowledged_at: datetime | None = at_field(nullable=True)
    acknowledged_by: str | None = Field(default=None, max_length=64)
    escalation_level: int = 0  # 0 centre staff, 1 district nurse
    escalated_at: datetime | None = at_field(nullable=True)
    remeasure_due_at: datetime = at_field()
    remeasure_reading_id: uuid.UUID | None = None
    remeasure_category: str | None = Field(default=None, max_length=24)
    resolved_at: datetime | None = at_field(nullable=True)
    resolved_by: str | None = Field(default=None, max_length=64)
    outcome: str | None = Field(default=None, max_length=400)


class AlertAction(HealthHubsModel, table=True):
    """What the staff did about an alert (care/domain.py ALERT_ACTIONS), in order; kept as history."""

    __tablename__ = "alert_action"
    id: int | None = Field(default=None, primary_key=True)
    alert_id: uuid.UUID = Field(foreign_key="alert.id", index=True)
    action: str = Field(max_length=24)
    note: str | None = Field(default=None, max_length=400)
    at: datetime = at_field()
    by: str = Field(max_length=64)


class Referral(HealthHubsModel, table=True):
    """A referral to the public health centre (보건소). `open_key` holds the resident id while the referral is
    open, so the unique constraint allows one open referral per resident."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    resident_id: uuid.UUID = Field(foreign_key="resident.id", index=True)
    open_key: str | None = Field(default=None, max_length=36, unique=True)
    centre_id: str = Field(max_length=8, index=True)
    district: str = Field(max_length=20, index=True)
    reason: str = Field(max_length=200)
    evidence: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="requested", max_length=12, index=True)  # requested | accepted | completed
    requested_at: datetime = at_field()
    due_at: datetime = at_field(index=True)
    accepted_at: datetime | None = at_field(nullable=True)
    accepted_by: str | None = Field(default=None, max_length=64)
    completed_at: datetime | None = at_field(nullable=True)
    completed_by: str | None = Field(default=None, max_length=64)
    outcome: str | None = Field(default=None, max_length=32)
    outcome_note: str | None = Field(default=None, max_length=400)
    visited_on: date | None = None  # the day the nurse saw the resident (Pohang's calendar), recorded on completion
    created_by: str = Field(max_length=64)


class FollowUpCall(HealthHubsModel, table=True):
    """One follow-up call to a resident on a follow-up list and its result (care/domain.py CALL_RESULTS)."""

    __tablename__ = "follow_up_call"
    id: int | None = Field(default=None, primary_key=True)
    resident_id: uuid.UUID = Field(foreign_key="resident.id", index=True)
    centre_id: str = Field(max_length=8, index=True)
    district: str = Field(max_length=20, index=True)
    list_kind: str = Field(max_length=16)  # uncontrolled | missed | lost
    result: str = Field(max_length=16)
    note: str | None = Field(default=None, max_length=400)
    called_at: datetime = at_field(index=True)
    called_by: str = Field(max_length=64)


class EscalationContact(HealthHubsModel, table=True):
    """Who is told at each level of the escalation chain (care/domain.py ESCALATION_CHAIN), per district."""

    __tablename__ = "escalation_contact"
    __table_args__ = (UniqueConstraint("district", "level", "address"),)
    id: int | None = Field(default=None, primary_key=True)
    district: str = Field(max_length=20, index=True)
    level: int  # 1 district nurse, 2 public health centre duty officer
    name: str = Field(max_length=60)
    channel: str = Field(default="email", max_length=16)
    address: str = Field(max_length=200)
    active: bool = True


class Notification(HealthHubsModel, table=True):
    """The outbox: one message to one person about one escalation level of one alert. The unique key makes a
    second escalation run write nothing; the delivery job (health_hubs.deliver_notifications) sends it.
    status: pending -> sending (claimed; nothing handed over yet) -> handing_over (the relay took the recipient;
    DATA follows) -> sent; or failed (permanent / attempts used up) or uncertain (the sender died while handing
    over: it may have arrived, so it is never sent again and the alert shows it)."""

    __table_args__ = (UniqueConstraint("alert_id", "level", "address"),
                      Index("ix_notification_due", "status", "next_attempt_at"))
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    alert_id: uuid.UUID = Field(foreign_key="alert.id", index=True)
    level: int
    channel: str = Field(max_length=16)
    recipient_name: str = Field(max_length=60)
    address: str = Field(max_length=200)
    subject: str = Field(max_length=200)
    body: str = Field(max_length=2000)
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    created_at: datetime = at_field()
    next_attempt_at: datetime | None = at_field(nullable=True)
    claimed_until: datetime | None = at_field(nullable=True)
    sent_at: datetime | None = at_field(nullable=True)
    provider_id: str | None = Field(default=None, max_length=200)
    last_error: str | None = Field(default=None, max_length=400)
