"""Officials' side of a bus's offline queue: boardings held for their device time, and each bus's clock skew
(README "Sync protocol")."""

import uuid
from datetime import datetime
from typing import Literal

from fastapi import Query, Request
from pydantic import BaseModel, Field, field_validator

from services.common.auth import Principal
from services.common.db import SessionDep, utcnow
from services.common.routing import APIRouter
from services.transit.access import Official
from services.transit.boarding import holds
from services.transit.boarding.schemas import BoardingAnswer

router = APIRouter(prefix="/v1", tags=["boarding"])


class HoldRead(BaseModel):
    id: uuid.UUID
    event_id: uuid.UUID
    device_id: str
    bus_id: str
    route_id: str
    stop_id: str
    card_id: str | None
    occurred_at: datetime
    reason: str
    skew_s: float | None
    suggested_occurred_at: datetime | None
    frames: int
    received_at: datetime
    status: str
    decided_at: datetime | None
    decided_by: str | None


class HoldConfirm(BaseModel):
    model_config = {"extra": "forbid"}
    occurred_at: datetime | None = Field(default=None, description="when it really happened (aware); default the "
                                         "suggested time, else the bus's")

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("occurred_at needs a UTC offset")
        return value


class HoldConfirmed(BaseModel):
    hold: HoldRead
    answer: BoardingAnswer


class BusClockRead(BaseModel):
    device_id: str
    bus_id: str
    skew_s: float | None = Field(description="bus clock minus server clock, seconds (positive: ahead)")
    observed_at: datetime | None
    held_open: int


def _by(principal: Principal) -> str:
    return f"user:{principal.username or principal.id}"


@router.get("/boardings/held", response_model=list[HoldRead])
def list_held(session: SessionDep, principal: Official,
              status: Literal["open", "confirmed", "discarded"] | None = "open",
              limit: int = Query(default=200, ge=1, le=2000)) -> list[HoldRead]:
    return [HoldRead(**h.model_dump()) for h in holds.list_holds(session, status=status, limit=limit)]


@router.post("/boardings/held/{hold_id}/confirm", response_model=HoldConfirmed)
def confirm_held(hold_id: uuid.UUID, body: HoldConfirm, request: Request, session: SessionDep,
                 principal: Official) -> HoldConfirmed:
    hold, answer = holds.confirm(session, hold_id=hold_id, occurred_at=body.occurred_at, by=_by(principal),
                                 settings=request.app.state.settings, index=request.app.state.gallery, now=utcnow())
    return HoldConfirmed(hold=HoldRead(**hold.model_dump()), answer=BoardingAnswer(**answer))


@router.post("/boardings/held/{hold_id}/discard", response_model=HoldRead)
def discard_held(hold_id: uuid.UUID, session: SessionDep, principal: Official) -> HoldRead:
    return HoldRead(**holds.discard(session, hold_id=hold_id, by=_by(principal), now=utcnow()).model_dump())


@router.get("/buses/clocks", response_model=list[BusClockRead])
def bus_clocks(session: SessionDep, principal: Official) -> list[BusClockRead]:
    return [BusClockRead(**c) for c in holds.bus_clocks(session)]
