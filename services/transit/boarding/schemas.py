"""Request and response shapes of transit boarding (the device contract the bus and kiosk rely on)."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from services.transit.boarding.domain import Concession, Decision


class RiderCreate(BaseModel):
    reference: str | None = Field(default=None, max_length=64, description="the card system's customer id")
    mobility_needs: bool = Field(default=False, description="the driver kneels the bus for this rider")
    regular_routes: list[str] = Field(default_factory=list, max_length=20,
                                      description="routes where card-less identification may find this rider")
    birth_date: date | None = Field(default=None, description="kept only as a keyed hash: lets the person erase "
                                                              "their face with their card and this date")


class ConsentGive(BaseModel):
    consent_version: str = Field(min_length=1, max_length=40)


class ConsentRead(BaseModel):
    id: uuid.UUID
    purpose: str = "card_check"
    version: str
    channel: str
    given_at: datetime
    withdrawn_at: datetime | None


class RiderRead(BaseModel):
    id: uuid.UUID
    reference: str | None
    mobility_needs: bool
    regular_routes: list[str]
    created_at: datetime
    face_enrolled: bool = False
    templates: int = 0
    face_expires_at: datetime | None = None
    needs_reenrolment: bool = False
    consent_card_check: bool = False
    consent_identification: bool = False
    consents: list[ConsentRead] = []


class FaceEnrolled(BaseModel):
    rider_id: uuid.UUID
    templates: int
    model_id: str
    consent: ConsentRead
    consents: list[ConsentRead]
    expires_at: datetime


class FaceErased(BaseModel):
    rider_id: uuid.UUID
    templates_erased: int
    erased_at: datetime


class CardCreate(BaseModel):
    card_id: str = Field(min_length=4, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
    rider_id: uuid.UUID
    concession: Concession


class CardRead(BaseModel):
    card_id: str
    rider_id: uuid.UUID
    concession: Concession
    issued_at: datetime
    revoked_at: datetime | None


class BoardingEvent(BaseModel):
    """One boarding's fields (the form fields of POST /v1/boardings, one item of a batch)."""

    event_id: uuid.UUID
    bus_id: str = Field(min_length=1, max_length=40)
    route_id: str = Field(min_length=1, max_length=40)
    stop_id: str = Field(min_length=1, max_length=40)
    occurred_at: datetime
    card_id: str | None = Field(default=None, max_length=40)


class BatchEvent(BoardingEvent):
    frame_count: int = Field(ge=0, le=5, description="how many of the batch's `frames` parts, in order, are this event's")


class BoardingAnswer(BaseModel):
    event_id: uuid.UUID
    decision: Decision
    rider_id: uuid.UUID | None
    card_id: str | None
    concession: Concession = Field(description="the concession of the card (tapped, or of the identified rider)")
    concession_applied: bool = Field(description="true only on a verified face or the driver's confirmation")
    concession_reason: str = Field(description="face_verified, driver_confirmed, no_concession, "
                                               "awaiting_driver_confirmation or not_verified")
    driver_confirmation_allowed: bool = Field(description="the door display may offer the driver's confirmation")
    fare_krw: int
    fare_source: str
    needs_assistance: bool
    distance: float | None
    margin: float | None
    flagged: bool
    reason: str | None
    presentation_attack_suspected: bool
    occurred_at: datetime | None = Field(default=None, description="the time the boarding is recorded at")
    time_error: str | None = Field(default=None, description="set when the bus's time was outside the windows "
                                   "and the server's time was recorded instead: occurred_at_in_future, "
                                   "occurred_at_too_old, device_clock_ahead or device_clock_behind")
    device_occurred_at: datetime | None = Field(default=None, description="the bus's own time, when replaced")
    bus_skew_s: float | None = Field(default=None, description="the bus's clock minus the server's, seconds, "
                                     "when its time was replaced")


class BatchItem(BaseModel):
    index: int = Field(description="the event's position in the batch")
    event_id: uuid.UUID | None = Field(description="None when the event's own event_id was unreadable")
    status: int
    answer: BoardingAnswer | None = None
    error: str | None = None
    detail: str | None = None
    hold_id: uuid.UUID | None = Field(default=None, description="set when the event is held for its device time")


class BatchAnswer(BaseModel):
    items: list[BatchItem]


class BoardingRead(BaseModel):
    event_id: uuid.UUID
    device_id: str
    bus_id: str
    route_id: str
    stop_id: str
    occurred_at: datetime
    device_occurred_at: datetime | None = None
    received_at: datetime
    card_id: str | None
    rider_id: uuid.UUID | None
    decision: Decision
    reason: str | None
    concession: Concession
    concession_applied: bool
    concession_reason: str | None
    fare_krw: int
    driver_confirmed_at: datetime | None
    driver_confirmed_by: str | None
    distance: float | None
    margin: float | None
    presentation_attack: bool
    flagged: bool
    reviewed_at: datetime | None
    review_outcome: str | None


class BoardingPage(BaseModel):
    items: list[BoardingRead]


class ReviewCreate(BaseModel):
    outcome: str = Field(pattern=r"^(confirmed_misuse|cleared)$")


class Cell(BaseModel):
    key: str
    boardings: int | None
    suppressed: bool = False


class Ridership(BaseModel):
    date_from: str
    date_to: str
    total: int | None  # null when small (suppressed)
    min_cell: int
    by_route: list[Cell]
    by_stop: list[Cell]
    by_hour: list[Cell]
    concession_share: dict[str, float | None]
    decisions: dict[str, int | None]
    flagged_misuse: int | None
    reviewed_misuse: int | None


class StopRead(BaseModel):
    stop_id: str
    name: str
    name_ko: str
    route_id: str
    sequence: int
    lat: float
    lon: float
