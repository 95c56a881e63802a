"""Request and response shapes of residents: records, consents, cards, duplicates, merges, erasure, the kiosk's
identification. Request bodies refuse unknown fields (extra="forbid")."""

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

Sex = Literal["female", "male", "other"]
ConsentKind = Literal["health_data", "share_public_health", "reminders"]


class ConsentsIn(BaseModel, extra="forbid"):
    health_data: bool
    share_public_health: bool = False
    reminders: bool = False
    version: str | None = Field(default=None, max_length=20)


class ResidentCreate(BaseModel, extra="forbid"):
    family_name: str = Field(min_length=1, max_length=40)
    given_name: str = Field(min_length=1, max_length=60)
    birth_date: date
    sex: Sex
    phone: str | None = Field(default=None, max_length=20)
    centre_id: str = Field(pattern=r"^C\d{3}$")
    consents: ConsentsIn
    confirm_new: bool = Field(default=False, description="register although likely duplicates were found")


class ResidentUpdate(BaseModel, extra="forbid"):
    family_name: str | None = Field(default=None, min_length=1, max_length=40)
    given_name: str | None = Field(default=None, min_length=1, max_length=60)
    phone: str | None = Field(default=None, max_length=20)
    centre_id: str | None = Field(default=None, pattern=r"^C\d{3}$")
    died_at: datetime | None = None


class ConsentRead(BaseModel):
    granted: bool
    version: str
    recorded_at: datetime


class ConsentChange(BaseModel, extra="forbid"):
    kind: ConsentKind
    granted: bool
    version: str | None = Field(default=None, max_length=20)
    erase: bool = Field(default=False, description="with kind health_data and granted false: erase the resident's "
                        "record and readings too (the same path as POST /residents/{id}/erasure)")


ErasureReason = Literal["resident_request", "health_data_consent_withdrawn", "registered_in_error", "deceased"]


class ErasureRequest(BaseModel, extra="forbid"):
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


class MergeRequest(BaseModel, extra="forbid"):
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


class DuplicateResolve(BaseModel, extra="forbid"):
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
