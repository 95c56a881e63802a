"""Tables of transit boarding, on the transit registry: riders, consent, face templates, cards, boardings."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, LargeBinary, UniqueConstraint, false
from sqlmodel import Field

from services.common.db import UTCDateTime
from services.transit.models import TransitModel


class Rider(TransitModel, table=True):
    """A person who may enrol a face; no name, no birth date: the card carries the concession."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    reference: str | None = Field(default=None, max_length=64, unique=True)
    mobility_needs: bool = False
    # Routes the rider rides regularly: the candidate set for card-less identification on that route.
    regular_routes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # HMAC of the date of birth the rider gave at enrolment (never the date): with the card, it lets the person,
    # and only the person, erase their face at a kiosk without a face match.
    birth_date_hmac: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime())


class FaceConsent(TransitModel, table=True):
    """Separate consent per purpose for the face template (PIPA Art. 23): `card_check` (1:1 against the card's
    holder) and `identification` (1:N without a card); kept after erasure or withdrawal as its record."""

    __tablename__ = "face_consent"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    rider_id: uuid.UUID = Field(sa_column=Column(ForeignKey("rider.id", ondelete="CASCADE"), nullable=False,
                                                 index=True))
    purpose: str = Field(default="card_check", max_length=24, sa_column_kwargs={"server_default": "card_check"})
    version: str = Field(max_length=40)
    channel: str = Field(max_length=80)  # e.g. "enrolment_kiosk:<device id>" or "staff:<account id>"
    given_at: datetime = Field(sa_type=UTCDateTime())
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime())


class FaceTemplate(TransitModel, table=True):
    """One 128-d encoding, AES-GCM encrypted; never the photo."""

    __tablename__ = "face_template"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    rider_id: uuid.UUID = Field(sa_column=Column(ForeignKey("rider.id", ondelete="CASCADE"), nullable=False,
                                                 index=True))
    consent_id: uuid.UUID = Field(sa_column=Column(ForeignKey("face_consent.id", ondelete="CASCADE"),
                                                   nullable=False))
    template_enc: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    # The face model that made it: templates of two models are never compared (a rider re-enrols instead).
    model_id: str = Field(default="dlib_resnet_v1+68pt", max_length=64,
                          sa_column_kwargs={"server_default": "dlib_resnet_v1+68pt"})
    key_id: str = Field(max_length=16)
    face_px: int
    created_at: datetime = Field(sa_type=UTCDateTime())
    expires_at: datetime = Field(sa_type=UTCDateTime(), index=True)


class FaceChange(TransitModel, table=True):
    """Change log of the gallery (who to re-read), so every worker's in-memory index catches up."""

    __tablename__ = "face_change"

    id: int | None = Field(default=None, primary_key=True)
    rider_id: uuid.UUID
    op: str = Field(max_length=16)  # enrol | erase | purge
    changed_at: datetime = Field(sa_type=UTCDateTime(), index=True)


class Card(TransitModel, table=True):
    id: str = Field(primary_key=True, max_length=40)
    rider_id: uuid.UUID = Field(foreign_key="rider.id", index=True)
    concession: str = Field(max_length=16)  # senior | disability | student | none
    issued_at: datetime = Field(sa_type=UTCDateTime())
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime())


class Boarding(TransitModel, table=True):
    """One boarding decision: the audit record (never an image) and the idempotent answer."""

    __table_args__ = (UniqueConstraint("event_id"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: uuid.UUID
    device_id: str = Field(max_length=64)
    bus_id: str = Field(max_length=40)
    route_id: str = Field(max_length=40, index=True)
    stop_id: str = Field(max_length=40)
    occurred_at: datetime = Field(sa_type=UTCDateTime(), index=True)
    # A live boarding whose bus time lay outside the windows is recorded at the server's time (occurred_at);
    # the bus's own time is kept here (README "Sync protocol"). None: occurred_at is the bus's time.
    device_occurred_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    received_at: datetime = Field(sa_type=UTCDateTime())
    card_id: str | None = Field(default=None, max_length=40)
    rider_id: uuid.UUID | None = Field(default=None, index=True)
    decision: str = Field(max_length=16)
    reason: str | None = Field(default=None, max_length=40)
    concession: str = Field(max_length=16)
    fare_krw: int
    # The card's concession is applied only on a verified face or the driver's confirmation (audited below).
    concession_applied: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    concession_reason: str | None = Field(default=None, max_length=40)
    driver_confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    driver_confirmed_by: str | None = Field(default=None, max_length=64)
    needs_assistance: bool = False
    distance: float | None = None
    margin: float | None = None
    frames: int = 0
    faces: int = 0
    presentation_attack: bool = False
    flagged: bool = Field(default=False, index=True)
    fingerprint: str = Field(max_length=64)
    reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    review_outcome: str | None = Field(default=None, max_length=24)
    answer: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class FaceErasureAttempt(TransitModel, table=True):
    """Every attempt to erase a face at a kiosk, granted or not: who asked from where, how they proved it."""

    __tablename__ = "face_erasure_attempt"

    id: int | None = Field(default=None, primary_key=True)
    rider_id: uuid.UUID | None = Field(default=None, index=True)
    card_id: str | None = Field(default=None, max_length=40)
    method: str = Field(max_length=24)  # face | card_birth_date | staff
    outcome: str = Field(max_length=24)  # erased | refused
    reason: str | None = Field(default=None, max_length=40)
    channel: str = Field(max_length=80)
    distance: float | None = None
    attempted_at: datetime = Field(sa_type=UTCDateTime(), index=True)
