"""HTTP endpoints for kiosk readings (device key), a resident's readings (staff, nurses), and the sync
protocol's quarantine and device clocks (README "Sync protocol")."""

import uuid
from datetime import datetime
from typing import Literal

from fastapi import Header, Query, Request, Response
from fastapi.responses import JSONResponse

from services.common.db import SessionDep, utcnow
from services.common.device_time import device_skew
from services.common.errors import PayloadTooLarge
from services.common.routing import APIRouter
from services.health_hubs.access import Actor, KioskOrAdmin, OfficialStaffOrNurse, StaffOrNurse
from services.health_hubs.readings import service
from services.health_hubs.readings.domain import NEXT_STEPS
from services.health_hubs.readings.rules import rule_set, rules_as_dict
from services.health_hubs.readings.schemas import (
    BatchAnswer,
    BatchIn,
    BatchResult,
    ConfirmAnswer,
    DeviceClockRead,
    NextStep,
    QuarantineConfirm,
    QuarantinedAnswer,
    QuarantineRead,
    ReadingAnswer,
    ReadingIn,
    ReadingRead,
)
from services.health_hubs.residents.service import open_resident

router = APIRouter(tags=["readings"])
DEVICE_TIME = Header(default=None, alias="X-Device-Time", max_length=64,
                     description="the kiosk's clock when it sent the request (aware ISO time): its skew is recorded "
                                 "and, beyond the windows, its items are quarantined")


def answer(outcome: service.Outcome) -> ReadingAnswer:
    r = outcome.reading
    step = NEXT_STEPS.get(r.next_step, NEXT_STEPS["none"])
    return ReadingAnswer(
        client_id=r.id, resident_id=r.resident_id, kind=r.kind, measured_at=r.measured_at, systolic=r.systolic,
        diastolic=r.diastolic, map_mmhg=r.map_mmhg, pulse_bpm=r.pulse_bpm, glucose_mg_dl=r.glucose_mg_dl,
        meal_context=r.meal_context, protocol_complete=r.protocol_complete, category=r.category,
        rule_version=r.rule_version, next_step=NextStep(code=r.next_step, **step), alert_id=outcome.alert_id,
        deleted=r.deleted_at is not None, replayed=outcome.outcome == "replayed",
    )


def _source(who: Actor, device_time: str | None, now: datetime) -> service.Source:
    return service.Source(device_id=who.principal.id, centre_id=who.principal.place,
                          skew_s=device_skew(device_time, now))


@router.post("/readings", response_model=ReadingAnswer, status_code=201,
             responses={202: {"model": QuarantinedAnswer, "description": "held for its device time"}})
def post_reading(item: ReadingIn, request: Request, response: Response, session: SessionDep,
                 who: KioskOrAdmin, device_time: str | None = DEVICE_TIME):
    settings = request.app.state.settings
    now = utcnow()
    outcome = service.single(session, item=item, actor=who, source=_source(who, device_time, now),
                             rules=rule_set(settings.rules_version), settings=settings, now=now)
    if outcome.outcome == "quarantined":
        q = outcome.quarantine
        step = None
        if q.category is not None:
            code = service.measure_values(item, rule_set(settings.rules_version))["next_step"]
            step = NextStep(code=code, **NEXT_STEPS.get(code, NEXT_STEPS["none"]))
        body = QuarantinedAnswer(client_id=item.client_id, resident_id=item.resident_id, kind=item.kind,
                                 measured_at=item.measured_at, quarantine_id=q.id, error=outcome.error,
                                 detail=outcome.detail, category=q.category, next_step=step)
        return JSONResponse(body.model_dump(mode="json"), status_code=202)
    if outcome.outcome == "replayed":
        response.status_code = 200
    return answer(outcome)


@router.post("/readings/batch", response_model=BatchAnswer)
def post_batch(data: BatchIn, request: Request, session: SessionDep, who: KioskOrAdmin,
               device_time: str | None = DEVICE_TIME) -> BatchAnswer:
    settings = request.app.state.settings
    if len(data.items) > settings.batch_max_items:
        raise PayloadTooLarge(f"at most {settings.batch_max_items} items per batch", code="batch_too_large")
    now = utcnow()
    outcomes = service.ingest(session, items=service.parse_items(data.items), source=_source(who, device_time, now),
                              actor=who, rules=rule_set(settings.rules_version), settings=settings, now=now)
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.outcome] = counts.get(o.outcome, 0) + 1
    return BatchAnswer(counts=counts, results=[
        BatchResult(index=o.index, client_id=o.client_id, outcome=o.outcome, error=o.error, detail=o.detail,
                    category=o.category, quarantine_id=o.quarantine.id if o.quarantine is not None else None)
        for o in outcomes])


@router.get("/residents/{resident_id}/readings", response_model=list[ReadingRead])
def resident_readings(resident_id: uuid.UUID, session: SessionDep, who: StaffOrNurse,
                      since: datetime | None = None, include_deleted: bool = False,
                      limit: int = Query(default=200, ge=1, le=2000)) -> list[ReadingRead]:
    open_resident(session, resident_id=resident_id, actor=who, purpose="care", entity="reading")
    rows = service.list_readings(session, resident_id=resident_id, since=since, include_deleted=include_deleted,
                                 limit=limit)
    return [ReadingRead(**r.model_dump()) for r in rows]


@router.get("/readings/quarantine", response_model=list[QuarantineRead])
def quarantine_list(session: SessionDep, who: StaffOrNurse,
                    status: Literal["open", "confirmed", "discarded"] | None = "open",
                    limit: int = Query(default=200, ge=1, le=2000)) -> list[QuarantineRead]:
    """Kiosk items held for their device times, of the caller's centre (staff) or district (nurses)."""
    return [QuarantineRead(**r.model_dump()) for r in service.list_quarantine(session, actor=who, status=status,
                                                                             limit=limit)]


@router.post("/readings/quarantine/{quarantine_id}/confirm", response_model=ConfirmAnswer)
def quarantine_confirm(quarantine_id: uuid.UUID, body: QuarantineConfirm, request: Request, session: SessionDep,
                       who: StaffOrNurse) -> ConfirmAnswer:
    settings = request.app.state.settings
    row, outcome = service.confirm(session, quarantine_id=quarantine_id, measured_at=body.measured_at, actor=who,
                                   rules=rule_set(settings.rules_version), settings=settings, now=utcnow())
    return ConfirmAnswer(quarantine=QuarantineRead(**row.model_dump()), outcome=outcome.outcome,
                         reading=answer(outcome) if outcome.reading is not None else None)


@router.post("/readings/quarantine/{quarantine_id}/discard", response_model=QuarantineRead)
def quarantine_discard(quarantine_id: uuid.UUID, session: SessionDep, who: StaffOrNurse) -> QuarantineRead:
    return QuarantineRead(**service.discard(session, quarantine_id=quarantine_id, actor=who, now=utcnow()).model_dump())


@router.get("/devices/clocks", response_model=list[DeviceClockRead])
def device_clocks(session: SessionDep, who: StaffOrNurse) -> list[DeviceClockRead]:
    """The clock skew each kiosk last reported and its items waiting in quarantine."""
    return [DeviceClockRead(**d) for d in service.device_clocks(session, actor=who)]


@router.get("/rules")
def active_rules(request: Request, _: OfficialStaffOrNurse) -> dict:
    """The active classification rule set with its sources."""
    return rules_as_dict(rule_set(request.app.state.settings.rules_version))
