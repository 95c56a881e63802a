"""Tables of residents: the record, its card tokens, consents, duplicate queue, merges and erasures."""

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field

from services.health_hubs.models import HealthHubsModel, at_field


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
    registered_at: datetime = at_field(index=True)
    died_at: datetime | None = at_field(nullable=True)
    updated_at: datetime = at_field()
    created_by: str = Field(max_length=64)


class ResidentToken(HealthHubsModel, table=True):
    """The card / QR token of a resident; only its SHA-256 is kept, the token is printed once."""

    __tablename__ = "resident_token"
    token_hash: str = Field(primary_key=True, max_length=64)
    resident_id: uuid.UUID = Field(foreign_key="resident.id", index=True)
    issued_at: datetime = at_field()
    revoked_at: datetime | None = at_field(nullable=True)


class Consent(HealthHubsModel, table=True):
    """One consent decision; the newest per (resident, kind) is in force. Kept as history, never edited."""

    id: int | None = Field(default=None, primary_key=True)
    resident_id: uuid.UUID = Field(foreign_key="resident.id", index=True)
    kind: str = Field(max_length=32)  # health_data | share_public_health | reminders
    granted: bool
    version: str = Field(max_length=20)  # version of the consent text shown
    recorded_at: datetime = at_field()
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
    created_at: datetime = at_field()
    resolved_at: datetime | None = at_field(nullable=True)
    resolved_by: str | None = Field(default=None, max_length=64)


class ResidentMerge(HealthHubsModel, table=True):
    """History of a merge: the merged record as it was, and what moved to the kept one."""

    __tablename__ = "resident_merge"
    id: int | None = Field(default=None, primary_key=True)
    kept_id: uuid.UUID = Field(foreign_key="resident.id", index=True)
    merged_id: uuid.UUID = Field(foreign_key="resident.id", index=True)
    merged_at: datetime = at_field()
    merged_by: str = Field(max_length=64)
    snapshot: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    moved: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


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
    erased_at: datetime = at_field()
    erased_by: str = Field(max_length=64)
    removed: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # row counts per table
