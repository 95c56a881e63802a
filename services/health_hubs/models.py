"""The health_hubs service's SQLModel registry and tables: residents, consents, readings, alerts, referrals, audit."""

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Column, ForeignKey, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.common.db import UTCDateTime, new_registry
from services.common.jobs import define_job_run_table


class HealthHubsModel(SQLModel, registry=new_registry()):
    pass


job_run = define_job_run_table(HealthHubsModel.metadata)


def _at(nullable: bool = False, index: bool = False):
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class Resident(HealthHubsModel, table=True):
    """A resident known to the programme. No resident registration number is ever stored."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    family_name: str = Field(max_length=40)
    given_name: str = Field(max_length=60)
    name_key: str = Field(max_length=400, index=True)  # the full name as Hangul jamo, for fuzzy search
    birth_date: date = Field(index=True)
    sex: str = Field(max_length=8)  # female | male | other
    phone: str | None = Field(default=None, max_length=20, index=True)  # digits only
    centre_id: str = Field(max_length=8, index=True)  # home centre
    district: str = Field(max_length=20, index=True)
    status: str = Field(default="active", max_length=12)  # active | merged | dead
    merged_into_id: uuid.UUID | None = Field(default=None)
    registered_at: datetime = _at(index=True)
    died_at: datetime | None = _at(nullable=True)
    updated_at: datetime = _at()
    created_by: str = Field(max_length=64)


class ResidentToken(HealthHubsModel, table=True):
    """The card / QR token of a resident; only its SHA-256 is kept, the token is printed once."""

    __tablename__ = "resident_token"
    token_hash: str = Field(primary_key=True, max_length=64)
    resident_id: uuid.UUID = Field(foreign_key="resident.id", index=True)
    issued_at: datetime = _at()
    revoked_at: datetime | None = _at(nullable=True)


class Consent(HealthHubsModel, table=True):
    """One consent decision; the newest per (resident, kind) is in force. Kept as history, never edited."""

    id: int | None = Field(default=None, primary_key=True)
    resident_id: uuid.UUID = Field(foreign_key="resident.id", index=True)
    kind: str = Field(max_length=32)  # health_data | share_public_health | reminders
    granted: bool
    version: str = Field(max_length=20)  # version of the consent text shown
    recorded_at: datetime = _at()
    recorded_by: str = Field(max_length=64)


class DuplicateCandidate(HealthHubsModel, table=True):
    __tablename__ = "duplicate_candidate"
    __table_args__ = (UniqueConstraint("resident_id", "candidate_id"),)
    id: int | None = Field(default=None, primary_key=True)
    resident_id: uuid.UUID = Field(foreign_key="resident.id", index=True)
    candidate_id: uuid.UUID = Field(foreign_key="resident.id", index=True)
    score: float
    reasons: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="open", max_length=12, index=True)  # open | merged | distinct
    centre_id: str = Field(max_length=8)
    district: str = Field(max_length=20)
    created_at: datetime = _at()
    resolved_at: datetime | None = _at(nullable=True)
    resolved_by: str | None = Field(default=None, max_length=64)


class ResidentMerge(HealthHubsModel, table=True):
    """History of a merge: the merged record as it was, and what moved to the kept one."""

    __tablename__ = "resident_merge"
    id: int | None = Field(default=None, primary_key=True)
    kept_id: uuid.UUID = Field(foreign_key="resident.id", index=True)
    merged_id: uuid.UUID = Field(foreign_key="resident.id", index=True)
    merged_at: datetime = _at()
    merged_by: str = Field(max_length=64)
    snapshot: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    moved: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


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
    measured_at: datetime = _at(index=True)  # device time of the measurement
    device_updated_at: datetime = _at()  # device time of the record's last edit (newest wins)
    received_at: datetime = _at()
    updated_at: datetime = _at()
    deleted_at: datetime | None = _at(nullable=True)
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
    measured_at: datetime = _at()  # as the device sent it
    edited_at: datetime = _at()
    skew_s: float | None = None  # the device clock minus the server's, when the device sent its clock
    suggested_measured_at: datetime | None = _at(nullable=True)
    category: str | None = Field(default=None, max_length=24)  # for triage; None when the values are invalid
    item: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # the item as sent
    received_at: datetime = _at()
    status: str = Field(default="open", max_length=12, index=True)  # open | confirmed | discarded
    decided_at: datetime | None = _at(nullable=True)
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
    observed_at: datetime = _at()


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
    created_at: datetime = _at()
    ack_due_at: datetime = _at()
    acknowledged_at: datetime | None = _at(nullable=True)
    acknowledged_by: str | None = Field(default=None, max_length=64)
    escalation_level: int = 0  # 0 centre staff, 1 district nurse
    escalated_at: datetime | None = _at(nullable=True)
    remeasure_due_at: datetime = _at()
    remeasure_reading_id: uuid.UUID | None = None
    remeasure_category: str | None = Field(default=None, max_length=24)
    resolved_at: datetime | None = _at(nullable=True)
    resolved_by: str | None = Field(default=None, max_length=64)
    outcome: str | None = Field(default=None, max_length=400)


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
    requested_at: datetime = _at()
    due_at: datetime = _at(index=True)
    accepted_at: datetime | None = _at(nullable=True)
    accepted_by: str | None = Field(default=None, max_length=64)
    completed_at: datetime | None = _at(nullable=True)
    completed_by: str | None = Field(default=None, max_length=64)
    outcome: str | None = Field(default=None, max_length=32)
    outcome_note: str | None = Field(default=None, max_length=400)
    visited_on: date | None = None  # the day the nurse saw the resident (Pohang's calendar), recorded on completion
    created_by: str = Field(max_length=64)


class AlertAction(HealthHubsModel, table=True):
    """What the staff did about an alert (care/domain.py ALERT_ACTIONS), in order; kept as history."""

    __tablename__ = "alert_action"
    id: int | None = Field(default=None, primary_key=True)
    alert_id: uuid.UUID = Field(foreign_key="alert.id", index=True)
    action: str = Field(max_length=24)
    note: str | None = Field(default=None, max_length=400)
    at: datetime = _at()
    by: str = Field(max_length=64)


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
    called_at: datetime = _at(index=True)
    called_by: str = Field(max_length=64)


class EscalationContact(HealthHubsModel, table=True):
    """Who is told at each level of the escalation chain (services/health_hubs/care/chain.py), per district."""

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
    created_at: datetime = _at()
    next_attempt_at: datetime | None = _at(nullable=True)
    claimed_until: datetime | None = _at(nullable=True)
    sent_at: datetime | None = _at(nullable=True)
    provider_id: str | None = Field(default=None, max_length=200)
    last_error: str | None = Field(default=None, max_length=400)


class ResidentErasure(HealthHubsModel, table=True):
    """That a resident's record was erased on request (PIPA Art. 36, 37(5)): when, by whom, why and how many rows
    went. Nothing identifying is kept: the id is a random UUID that, once every row it keyed is gone, leads to
    no one; it stays so that a retried erasure answers the same and a kiosk's late backlog for that id is refused
    (410 resident_erased) instead of recreating the person. One row per erased record (a merged group: each)."""

    __tablename__ = "resident_erasure"
    resident_id: uuid.UUID = Field(primary_key=True)
    erasure_id: uuid.UUID = Field(index=True)  # the request: one per erasure, shared by a merged group
    centre_id: str = Field(max_length=8)  # the place that erased (place check on a retry)
    district: str = Field(max_length=20)
    reason: str = Field(max_length=40)  # a code from ERASURE_REASONS, never free text
    erased_at: datetime = _at()
    erased_by: str = Field(max_length=64)
    removed: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # row counts per table


class AuditEvent(HealthHubsModel, table=True):
    """Who did what to which record, when and why. Kept two years (job health_hubs.purge_audit)."""

    __tablename__ = "audit_event"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _at(index=True)
    actor_kind: str = Field(max_length=8)  # user | device
    actor_id: str = Field(max_length=64, index=True)
    actor_role: str | None = Field(default=None, max_length=24)
    actor_place: str | None = Field(default=None, max_length=20)
    action: str = Field(max_length=12)  # read | search | create | update | export | merge | erase
    entity: str = Field(max_length=24)
    entity_id: str | None = Field(default=None, max_length=64)
    resident_id: uuid.UUID | None = Field(default=None, index=True)
    purpose: str = Field(max_length=80)
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    request_id: str | None = Field(default=None, max_length=64)


def load_all_tables() -> None:
    """Every table of this service is defined in this module."""
