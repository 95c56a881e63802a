"""Request and response shapes of care: alerts and what was done, referrals, follow-up lists and calls, the centre's
day and a resident's timeline. Request bodies refuse unknown fields."""

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field


class AlertActionRead(BaseModel):
    action: str
    note: str | None
    at: datetime
    by: str


class NotificationRead(BaseModel):
    """Who was told about an escalation, how, and what became of the message (never the message's body)."""

    level: int
    channel: str
    recipient_name: str
    address: str
    status: str  # pending | sending | handing_over | sent | failed | uncertain
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None
    sent_at: datetime | None
    last_error: str | None


class AlertActionCreate(BaseModel, extra="forbid"):
    action: Literal["remeasured", "called_119", "sent_to_clinic", "family_called", "went_home", "other"]
    note: str | None = Field(default=None, max_length=400)


class TodayReading(BaseModel):
    resident_id: uuid.UUID
    resident_name: str
    centre_id: str
    kind: str
    measured_at: datetime
    category: str
    next_step: str
    systolic: int | None
    diastolic: int | None
    glucose_mg_dl: int | None
    minutes_ago: int | None = None


class CentreToday(BaseModel):
    day_start: datetime  # 00:00 in Pohang, as UTC
    measured: list[TodayReading]  # each resident once, their newest reading today
    awaiting_remeasure: list[TodayReading]


class TimelineEvent(BaseModel):
    at: datetime
    type: str  # alert | referral | call
    code: str  # alert kind, referral status or call result
    status: str | None
    detail: str | None
    by: str | None
    extra: list[str] = []  # what was done about an alert


class FollowUpItem(BaseModel):
    resident_id: uuid.UUID
    resident_name: str
    phone: str | None
    centre_id: str
    list_kind: str  # uncontrolled | missed | lost
    last_visit_at: datetime
    last_category: str | None
    days_since_visit: int
    calls: int
    last_call_result: str | None
    last_call_at: datetime | None


class FollowUpCallCreate(BaseModel, extra="forbid"):
    resident_id: uuid.UUID
    list_kind: Literal["uncontrolled", "missed", "lost"]
    result: Literal["reached", "will_come", "moved", "died", "unreachable"]
    note: str | None = Field(default=None, max_length=400)


class FollowUpCallRead(BaseModel):
    id: int
    resident_id: uuid.UUID
    list_kind: str
    result: str
    note: str | None
    called_at: datetime
    called_by: str


class FollowUpList(BaseModel):
    items: list[FollowUpItem]
    called: int  # residents with a first call in the period
    returned_to_care: int  # of them, measured within 15 days of the first call
    period_days: int


class AlertRead(BaseModel):
    id: uuid.UUID
    resident_id: uuid.UUID
    reading_id: uuid.UUID
    centre_id: str
    district: str
    kind: str
    category: str
    status: str
    created_at: datetime
    ack_due_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    escalation_level: int
    escalated_at: datetime | None
    remeasure_due_at: datetime
    remeasure_reading_id: uuid.UUID | None
    remeasure_category: str | None
    resolved_at: datetime | None
    outcome: str | None
    resolved_by: str | None = None
    reading: dict | None = None  # the reading that raised it
    next_escalation_at: datetime | None = None  # None once acknowledged or at the end of the chain
    actions: list[AlertActionRead] = []
    notifications: list[NotificationRead] = []


class AlertResolve(BaseModel, extra="forbid"):
    outcome: str = Field(min_length=1, max_length=400)


class ReferralCreate(BaseModel, extra="forbid"):
    resident_id: uuid.UUID
    reason: str = Field(min_length=1, max_length=200)


ReferralOutcome = Literal["treatment_started", "treatment_adjusted", "no_change_needed", "not_reached",
                          "declined", "other"]


class ReferralChange(BaseModel, extra="forbid"):
    status: Literal["accepted", "completed"]
    outcome: ReferralOutcome | None = None
    outcome_note: str | None = Field(default=None, max_length=400)
    visited_on: date | None = Field(default=None, description="the day of the visit (Pohang's calendar), when "
                                    "completing; not before the day it was accepted, not after today")


class ReferralRead(BaseModel):
    id: uuid.UUID
    resident_id: uuid.UUID
    centre_id: str
    district: str
    reason: str
    evidence: list
    status: str
    requested_at: datetime
    due_at: datetime
    accepted_at: datetime | None
    completed_at: datetime | None
    outcome: str | None
    outcome_note: str | None
    visited_on: date | None = None
    created_by: str


class WorklistItem(BaseModel):
    referral: ReferralRead
    resident_name: str | None  # None: the caller may not open this resident's record (a nurse without consent)


class OverdueItem(BaseModel):
    referral: ReferralRead
    resident_name: str
    phone: str | None
    days_overdue: int
