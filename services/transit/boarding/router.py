"""HTTP API of transit boarding under /v1: riders and faces (kiosk), cards, boardings (bus), review and
ridership (officials)."""

import json
import uuid
from datetime import date, datetime, timedelta

from fastapi import File, Form, Header, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from services.common.auth import Principal
from services.common.citytime import CITY_ZONE
from services.common.db import SessionDep, utcnow
from services.common.device_time import device_skew
from services.common.errors import Forbidden, Unprocessable
from services.common.routing import APIRouter
from services.transit.access import Admin, Bus, EnrolmentKioskOrAdmin, Official, OfficialBusOrEnrolmentKiosk
from services.transit.boarding import holds, routes, service, sync
from services.transit.boarding.faces import BadPhoto
from services.transit.boarding.schemas import (
    BatchAnswer,
    BoardingAnswer,
    BoardingEvent,
    BoardingPage,
    BoardingRead,
    CardCreate,
    CardRead,
    ConsentGive,
    FaceEnrolled,
    FaceErased,
    ReviewCreate,
    RiderCreate,
    RiderRead,
    Ridership,
    StopRead,
)

router = APIRouter(prefix="/v1", tags=["boarding"])

def _channel(principal: Principal) -> str:
    return f"{principal.device_kind}:{principal.id}" if principal.is_device else f"staff:{principal.id}"


def _read_uploads(files: list[UploadFile] | None, limit: int) -> list[bytes]:
    out = []
    for f in files or []:
        data = f.file.read(limit + 1)
        if len(data) > limit:
            raise BadPhoto(f"{f.filename or 'file'} is larger than {limit} bytes", code="image_too_large")
        out.append(data)
    return out


@router.post("/riders", response_model=RiderRead, status_code=201)
def create_rider(body: RiderCreate, request: Request, session: SessionDep, principal: EnrolmentKioskOrAdmin) -> dict:
    now = utcnow()
    rider = service.create_rider(session, reference=body.reference, mobility_needs=body.mobility_needs,
                                 regular_routes=body.regular_routes, now=now, birth_date=body.birth_date,
                                 settings=request.app.state.settings)
    return service.rider_view(session, rider, now=now, model_id=request.app.state.gallery.model_id)


@router.get("/riders/{rider_id}", response_model=RiderRead)
def read_rider(rider_id: uuid.UUID, request: Request, session: SessionDep, principal: EnrolmentKioskOrAdmin) -> dict:
    return service.rider_view(session, service.get_rider(session, rider_id), now=utcnow(),
                              model_id=request.app.state.gallery.model_id)


@router.put("/riders/{rider_id}/face", response_model=FaceEnrolled)
def enrol_face(
    rider_id: uuid.UUID, request: Request, session: SessionDep, principal: EnrolmentKioskOrAdmin,
    photos: list[UploadFile] = File(..., description="1-3 photos of the rider's face (JPEG/PNG)"),
    consent_version: str = Form(..., min_length=1, max_length=40),
    consent_card_check: bool = Form(False, description="the rider agreed to the face check against their card (1:1)"),
    consent_identification: bool = Form(False, description="the rider also agreed to be recognised without a card "
                                                           "(1:N among a route's regulars); asked separately"),
) -> dict:
    settings = request.app.state.settings
    if len(photos) > 3:
        raise Unprocessable("send 1 to 3 photos", code="photo_count")
    data = _read_uploads(photos, settings.boarding_max_image_bytes)
    return service.enrol_face(session, rider_id=rider_id, photos=data, consent_version=consent_version,
                              channel=_channel(principal), settings=settings, index=request.app.state.gallery,
                              now=utcnow(), card_check=consent_card_check, identification=consent_identification)


@router.put("/riders/{rider_id}/consents/identification", response_model=RiderRead)
def give_identification_consent(rider_id: uuid.UUID, body: ConsentGive, request: Request, session: SessionDep,
                                principal: EnrolmentKioskOrAdmin) -> dict:
    return service.set_identification_consent(session, rider_id=rider_id, given=True,
                                              consent_version=body.consent_version, channel=_channel(principal),
                                              settings=request.app.state.settings, index=request.app.state.gallery,
                                              now=utcnow())


@router.delete("/riders/{rider_id}/consents/identification", response_model=RiderRead)
def withdraw_identification_consent(rider_id: uuid.UUID, request: Request, session: SessionDep,
                                    principal: EnrolmentKioskOrAdmin) -> dict:
    """Withdraws card-less identification only: the rider stays enrolled for the card check."""
    return service.set_identification_consent(session, rider_id=rider_id, given=False, consent_version=None,
                                              channel=_channel(principal), settings=request.app.state.settings,
                                              index=request.app.state.gallery, now=utcnow())


@router.delete("/riders/{rider_id}/face", response_model=FaceErased)
def erase_face(rider_id: uuid.UUID, request: Request, session: SessionDep, principal: Admin) -> dict:
    """Erasure by staff handling the rider's written request (a kiosk cannot erase by rider id)."""
    return service.erase_face(session, rider_id=rider_id, settings=request.app.state.settings,
                              index=request.app.state.gallery, now=utcnow(), channel=_channel(principal))


@router.post("/face-erasures", response_model=FaceErased,
             responses={403: {"description": "refused (`erasure_refused`): the proof did not match; recorded"},
                        429: {"description": "`erasure_throttled`: too many wrong proofs for this card; recorded"}})
def erase_by_person(
    request: Request, session: SessionDep, principal: EnrolmentKioskOrAdmin,
    card_id: str = Form(..., min_length=1, max_length=40),
    birth_date: date | None = Form(default=None, description="the date of birth given at enrolment"),
    photo: UploadFile | None = File(default=None, description="a photo of the person's face, taken at the kiosk"),
):
    """Erasure at the kiosk by the person only: their card and either their face or their date of birth. Every
    attempt, granted or refused, is recorded."""
    settings = request.app.state.settings
    data = _read_uploads([photo], settings.boarding_max_image_bytes)[0] if photo is not None else None
    result = service.erase_by_person(session, card_id=card_id, photo=data, birth_date=birth_date,
                                     channel=_channel(principal), settings=settings, index=request.app.state.gallery,
                                     now=utcnow())
    if result.get("refused") == service.THROTTLED:
        return JSONResponse(status_code=429, headers={"Retry-After": str(result["retry_after_s"])}, content={
            "error": "erasure_throttled", "detail": {"message": "too many wrong proofs for this card; wait, or ask "
                                                                "staff to erase on a written request",
                                                     "retry_after_s": result["retry_after_s"]},
            "request_id": getattr(request.state, "request_id", None)})
    if "refused" in result:
        return JSONResponse(status_code=403, content={
            "error": "erasure_refused", "detail": result["refused"],
            "request_id": getattr(request.state, "request_id", None)})
    return result


@router.post("/cards", response_model=CardRead, status_code=201)
def create_card(body: CardCreate, session: SessionDep, principal: EnrolmentKioskOrAdmin) -> dict:
    card = service.create_card(session, card_id=body.card_id, rider_id=body.rider_id,
                               concession=body.concession.value, now=utcnow())
    return service.card_view(card)


@router.get("/stops", response_model=list[StopRead])
def list_stops(principal: OfficialBusOrEnrolmentKiosk) -> list[dict]:
    """The bus network's stops in route order with positions, for maps (officials) and devices."""
    return routes.stops()


@router.get("/cards/{card_id}", response_model=CardRead)
def read_card(card_id: str, session: SessionDep, principal: EnrolmentKioskOrAdmin) -> dict:
    """The rider a presented card belongs to, so the kiosk can erase a face enrolled on an earlier visit."""
    return service.card_view(service.get_card(session, card_id))


@router.post("/boardings", response_model=BoardingAnswer)
def create_boarding(
    request: Request, session: SessionDep, principal: Bus,
    event_id: uuid.UUID = Form(...), bus_id: str = Form(..., max_length=40), route_id: str = Form(..., max_length=40),
    stop_id: str = Form(..., max_length=40), occurred_at: datetime = Form(...),
    card_id: str | None = Form(default=None, max_length=40),
    frames: list[UploadFile] | None = File(default=None, description="1-5 JPEG frames from the door camera"),
    x_device_time: str | None = Header(default=None, max_length=64, description="the bus's clock (aware ISO "
                                       "time), optional: its skew is kept; beyond the future window the boarding "
                                       "is recorded at the server's time"),
) -> dict:
    """Decided at once (the rider is at the door). An occurred_at outside the windows (README "Sync protocol")
    is not held as a queued event is: the boarding is recorded at the server's time, the bus's time kept, the
    answer's `time_error` says why and the bus's skew shows in GET /v1/buses/clocks."""
    if bus_id != principal.place:
        raise Forbidden("this device is another bus", code="wrong_place")
    settings = request.app.state.settings
    ev = _event(BoardingEvent, dict(event_id=event_id, bus_id=bus_id, route_id=route_id, stop_id=stop_id,
                                    occurred_at=occurred_at, card_id=card_id or None))
    if bad := sync.check_route(ev.route_id, ev.stop_id):  # a bus may not make cells that do not exist
        raise Unprocessable(bad[1], code=bad[0])
    data = _read_uploads(frames, settings.boarding_max_image_bytes)
    now = utcnow()
    return holds.board_live(session, ev=ev, frames=data, device_id=principal.id, bus_id=principal.place or "",
                            skew_s=device_skew(x_device_time, now), settings=settings,
                            index=request.app.state.gallery, now=now)


@router.post("/boardings/{event_id}/driver-confirmation", response_model=BoardingAnswer)
def confirm_by_driver(event_id: uuid.UUID, session: SessionDep, principal: Bus) -> dict:
    """The driver confirms the card holder at the door (a button on the door display): the concession fare
    applies, and the boarding records which device confirmed it and when."""
    return service.confirm_by_driver(session, event_id=event_id, device_id=principal.id, place=principal.place,
                                     now=utcnow())


def _event(model, raw):
    try:
        ev = model.model_validate(raw)
    except ValidationError as exc:
        raise Unprocessable(exc.errors(include_url=False, include_context=False), code="validation_error") from None
    if ev.occurred_at.tzinfo is None:
        raise Unprocessable("occurred_at needs a UTC offset", code="naive_datetime")
    return ev


@router.post("/boardings/batch", response_model=BatchAnswer)
def create_boarding_batch(
    request: Request, session: SessionDep, principal: Bus,
    events: str = Form(..., description="JSON array of events (BatchEvent), oldest first"),
    frames: list[UploadFile] | None = File(default=None, description="every event's frames, in event order"),
    x_device_time: str | None = Header(default=None, max_length=64, description="the bus's clock when it sent "
                                       "the queue (aware ISO time): its skew is kept; beyond the window every "
                                       "event is held"),
) -> dict:
    settings = request.app.state.settings
    try:
        raw = json.loads(events)
    except ValueError:
        raise Unprocessable("events is not JSON", code="validation_error") from None
    if not isinstance(raw, list) or not 1 <= len(raw) <= 50:
        raise Unprocessable("events must be a JSON array of 1-50 events", code="validation_error")
    counts = sync.frame_counts(raw)
    data = _read_uploads(frames, settings.boarding_max_image_bytes)
    if counts is None or sum(counts) != len(data):
        raise Unprocessable("every event needs a frame_count 0-5, adding up to the frames sent",
                            code="frame_count_mismatch")
    now = utcnow()
    skew = device_skew(x_device_time, now)
    parsed = sync.parse_events(raw, place=principal.place, now=now,
                               future=timedelta(seconds=settings.boarding_future_window_s),
                               past=timedelta(days=settings.boarding_past_window_days), skew_s=skew)
    slices, at = [], 0
    for n in counts:
        slices.append(data[at:at + n])
        at += n
    items = holds.run_batch(session, parsed=parsed, frames=slices, device_id=principal.id,
                            bus_id=principal.place or "", skew_s=skew, settings=settings,
                            index=request.app.state.gallery, now=now)
    return {"items": items}


@router.get("/boardings", response_model=BoardingPage)
def list_boardings(
    session: SessionDep, principal: Official,
    flagged: bool | None = Query(default=None), reviewed: bool | None = Query(default=None),
    limit: int = Query(default=100, ge=1, le=1000),
) -> dict:
    rows = service.list_boardings(session, flagged=flagged, reviewed=reviewed, limit=limit)
    return {"items": [r.model_dump() for r in rows]}


@router.post("/boardings/{event_id}/review", response_model=BoardingRead)
def review_boarding(event_id: uuid.UUID, body: ReviewCreate, session: SessionDep, principal: Official) -> dict:
    return service.review_boarding(session, event_id=event_id, outcome=body.outcome, now=utcnow()).model_dump()


@router.get("/ridership", response_model=Ridership)
def read_ridership(
    session: SessionDep, principal: Official,
    date_from: date | None = Query(default=None), date_to: date | None = Query(default=None),
) -> dict:
    today = utcnow().astimezone(CITY_ZONE).date()
    day_from, day_to = date_from or today, date_to or date_from or today
    if day_to < day_from or (day_to - day_from).days > 366:
        raise Unprocessable("date_to must follow date_from within a year", code="bad_period")
    return service.ridership(session, day_from=day_from, day_to=day_to)
