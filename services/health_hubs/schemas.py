"""Request and response shapes of the health hubs API (no tables here)."""

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator

Sex = Literal["female", "male", "other"]
ConsentKind = Literal["health_data", "share_public_health", "reminders"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---- residents ---------------------------------------------------------------------------------------------

class ConsentsIn(Strict):
    health_data: bool
    share_public_health: bool = False
    reminders: bool = False
    version: str | None = Field(default=None, max_length=20)


class ResidentCreate(Strict):
    family_name: str = Field(min_length=1, max_length=40)
    given_name: str = Field(min_length=1, max_length=60)
    birth_date: date
    sex: Sex
    phone: str | None = Field(default=None, max_length=20)
    centre_id: str = Field(pattern=r"^C\d{3}$")
    consents: ConsentsIn
    confirm_new: bool = Field(default=False, description="register although likely duplicates were found")

    @field_validator("birth_date")
    @classmethod
    def _plausible_birth(cls, value: date) -> date:
        if not date(1900, 1, 1) <= value <= date.today():
            raise ValueError("birth date must be between 1900 and today")
        return value


class ResidentUpdate(Strict):
    family_name: str | None = Field(default=None, min_length=1, max_length=40)
    given_name: str | None = Field(default=None, min_length=1, max_length=60)
    phone: str | None = Field(default=None, max_length=20)
    centre_id: str | None = Field(default=None, pattern=r"^C\d{3}$")
    died_at: datetime | None = None


class ConsentRead(BaseModel):
    granted: bool
    version: str
    recorded_at: datetime


class ConsentChange(Strict):
    kind: ConsentKind
    granted: bool
    version: str | None = Field(default=None, max_length=20)
    erase: bool = Field(default=False, description="with kind health_data and granted false: erase the resident's "
                        "record and readings too (the same path as POST /residents/{id}/erasure)")


ErasureReason = Literal["resident_request", "health_data_consent_withdrawn", "registered_in_error", "deceased"]


class ErasureRequest(Strict):
    reason: ErasureReason = Field(description="a code, not free text: the audit log keeps it after the erasure")


class ErasureRead(BaseModel):
    resident_id: uuid.UUID
    erasure_id: uuid.UUID
    erased_ids: list[uuid.UUID] = Field(description="the record and any duplicates merged into it")
    reason: str
    erased_at: datetime
    erased_by: str
    removed: dict[str, int] = Field(description="rows deleted per table")
    replayed: bool = False


class ResidentRead(BaseModel):
    id: uuid.UUID
    family_name: str
    given_name: str
    birth_date: date
    sex: str
    phone: str | None
    centre_id: str
    district: str
    status: str
    merged_into_id: uuid.UUID | None
    registered_at: datetime
    died_at: datetime | None
    consents: dict[str, ConsentRead] = {}


class Candidate(BaseModel):
    """A possible match. Outside the caller's place only what tells two people apart is shown."""

    id: uuid.UUID
    score: float
    reasons: list[str]
    in_scope: bool
    centre_id: str
    initials: str
    birth_year: int
    family_name: str | None = None
    given_name: str | None = None
    birth_date: date | None = None
    phone: str | None = None


class ResidentCreated(BaseModel):
    resident: ResidentRead
    token: str = Field(description="the card / QR token; shown once")
    possible_duplicates: list[Candidate] = []


class TokenIssued(BaseModel):
    resident_id: uuid.UUID
    token: str


class ResidentPage(BaseModel):
    items: list[ResidentRead]
    total: int


class MergeRequest(Strict):
    merged_id: uuid.UUID = Field(description="the duplicate record folded into the kept one")
    reason: str = Field(min_length=1, max_length=200)


class MergeRead(BaseModel):
    kept_id: uuid.UUID
    merged_id: uuid.UUID
    merged_at: datetime
    merged_by: str
    moved: dict
    snapshot: dict


class DuplicateRead(BaseModel):
    id: int
    resident_id: uuid.UUID
    candidate_id: uuid.UUID
    score: float
    reasons: list
    status: str
    centre_id: str
    created_at: datetime


class DuplicateResolve(Strict):
    decision: Literal["distinct", "merge"]
    keep: Literal["resident", "candidate"] = "resident"
    reason: str = Field(default="duplicate queue", max_length=200)


class KioskIdentity(BaseModel):
    """Only what the kiosk needs to greet and to post readings."""

    resident_id: uuid.UUID
    display_name: str
    initials: str
    centre_id: str
    can_measure: bool = Field(description="false when the resident has not consented to health data")


# ---- readings ----------------------------------------------------------------------------------------------

BpFlag = Literal["body_movement", "cuff_loose", "irregular_pulse", "pulse_out_of_range", "position_improper"]


class BpMeasurement(Strict):
    systolic: int = Field(ge=0, le=1000)
    diastolic: int = Field(ge=0, le=1000)
    map_mmhg: int | None = Field(default=None, ge=0, le=1000)
    pulse_bpm: int | None = Field(default=None, ge=0, le=1000)
    flags: list[BpFlag] = []
    device_time: datetime | None = None


class ReadingIn(Strict):
    client_id: uuid.UUID = Field(description="made by the kiosk; a retry with the same id records nothing new")
    resident_id: uuid.UUID
    kind: Literal["bp", "glucose"]
    measured_at: datetime = Field(description="device time of the sitting (aware)")
    bp: list[BpMeasurement] | None = Field(default=None, min_length=1, max_length=6)
    glucose_mg_dl: int | None = Field(default=None, ge=0, le=5000)
    meal_context: Literal["fasting", "postprandial", "random"] | None = None
    sample_type: Literal["capillary_whole_blood", "capillary_plasma", "venous_plasma", "control_solution",
                         "unknown"] | None = None
    meter_seq: int | None = Field(default=None, ge=0, le=65535)

    @field_validator("measured_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("measured_at needs a time zone")
        return value


class BatchItem(ReadingIn):
    updated_at: datetime | None = Field(default=None, description="device time of the record's last edit")
    deleted: bool = False

    @field_validator("updated_at")
    @classmethod
    def _aware_updated(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("updated_at needs a time zone")
        return value


class BatchIn(Strict):
    # Each item is validated on its own (a malformed one is `rejected` by its index, the rest are stored).
    items: list[Any] = Field(min_length=1, description="readings as BatchItem; see README 'Sync protocol'")


class NextStep(BaseModel):
    code: str
    ko: str
    en: str


class BpGrade(BaseModel):
    """A BP reading's guideline grade and its flags (isolated_systolic, crisis), derived from its values under its
    rule version, beside the one-word `category` (rules.py BpClassification)."""

    @computed_field
    @property
    def bp_grade(self) -> str | None:
        bp = self._bp()
        return bp.grade if bp else None

    @computed_field
    @property
    def bp_flags(self) -> list[str]:
        bp = self._bp()
        return list(bp.flags) if bp else []

    def _bp(self):
        from services.health_hubs.rules import RULE_SETS, classify_bp

        rules = RULE_SETS.get(self.rule_version)
        if self.kind != "bp" or rules is None or self.systolic is None or self.diastolic is None:
            return None
        return classify_bp(self.systolic, self.diastolic, rules)


class ReadingAnswer(BpGrade):
    client_id: uuid.UUID
    resident_id: uuid.UUID
    kind: str
    measured_at: datetime
    systolic: int | None = None
    diastolic: int | None = None
    map_mmhg: int | None = None
    pulse_bpm: int | None = None
    glucose_mg_dl: int | None = None
    meal_context: str | None = None
    protocol_complete: bool
    category: str
    rule_version: str
    next_step: NextStep
    alert_id: uuid.UUID | None = None
    deleted: bool = False
    replayed: bool = False


class BatchResult(BaseModel):
    index: int = Field(description="the item's position in the batch")
    client_id: uuid.UUID | None
    # created | updated | deleted | unchanged | stale | ignored_deleted | quarantined | rejected
    outcome: str
    error: str | None = None
    detail: str | None = None
    category: str | None = None
    quarantine_id: uuid.UUID | None = None


class BatchAnswer(BaseModel):
    results: list[BatchResult]
    counts: dict[str, int]


class ReadingRead(BpGrade):
    id: uuid.UUID
    resident_id: uuid.UUID
    centre_id: str  # where it was measured
    home_centre_id: str | None = None  # the resident's home centre then (README "Sync protocol")
    kind: str
    measured_at: datetime
    systolic: int | None
    diastolic: int | None
    map_mmhg: int | None
    pulse_bpm: int | None
    raw: list
    flags: list
    protocol_complete: bool
    glucose_mg_dl: int | None
    meal_context: str | None
    category: str
    rule_version: str
    deleted_at: datetime | None


# ---- alerts and referrals ----------------------------------------------------------------------------------

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


class AlertActionCreate(Strict):
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


class AccessLogEntry(BaseModel):
    """One access to a resident's record: who, when, what and why."""

    at: datetime
    actor: str
    actor_role: str | None
    actor_place: str | None
    action: str
    entity: str
    purpose: str


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


class FollowUpCallCreate(Strict):
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


class AlertResolve(Strict):
    outcome: str = Field(min_length=1, max_length=400)


class ReferralCreate(Strict):
    resident_id: uuid.UUID
    reason: str = Field(min_length=1, max_length=200)


ReferralOutcome = Literal["treatment_started", "treatment_adjusted", "no_change_needed", "not_reached",
                          "declined", "other"]


class ReferralChange(Strict):
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


class OverdueItem(BaseModel):
    referral: ReferralRead
    resident_name: str
    phone: str | None
    days_overdue: int
