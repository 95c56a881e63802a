"""HTTP endpoints for kiosk readings (device key) and a resident's readings (staff, nurses)."""

import uuid
from datetime import datetime

from fastapi import Query, Request, Response

from services.common.auth import DeviceKind
from services.common.db import SessionDep, utcnow
from services.common.errors import PayloadTooLarge
from services.common.routing import APIRouter
from services.health_hubs.access import RECORD_ROLES, Actor, actor
from services.health_hubs.domain import NEXT_STEPS
from services.health_hubs.readings import service
from services.health_hubs.residents.service import open_resident
from services.health_hubs.rules import rule_set
from services.health_hubs.schemas import (
    BatchAnswer,
    BatchIn,
    BatchResult,
    NextStep,
    ReadingAnswer,
    ReadingIn,
    ReadingRead,
)

router = APIRouter(tags=["readings"])
Kiosk = actor(devices=(DeviceKind.health_kiosk,))
People = actor(roles=RECORD_ROLES)


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


@router.post("/readings", response_model=ReadingAnswer, status_code=201)
def post_reading(item: ReadingIn, request: Request, response: Response, session: SessionDep,
                 who: Actor = Kiosk) -> ReadingAnswer:
    settings = request.app.state.settings
    outcome = service.single(session, item=item, actor=who, rules=rule_set(settings.rules_version),
                             settings=settings, now=utcnow())
    if outcome.outcome == "replayed":
        response.status_code = 200
    return answer(outcome)


@router.post("/readings/batch", response_model=BatchAnswer)
def post_batch(data: BatchIn, request: Request, session: SessionDep, who: Actor = Kiosk) -> BatchAnswer:
    settings = request.app.state.settings
    if len(data.items) > settings.batch_max_items:
        raise PayloadTooLarge(f"at most {settings.batch_max_items} items per batch", code="batch_too_large")
    outcomes = service.ingest(session, items=data.items, actor=who, rules=rule_set(settings.rules_version),
                              settings=settings, now=utcnow())
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.outcome] = counts.get(o.outcome, 0) + 1
    return BatchAnswer(counts=counts, results=[
        BatchResult(client_id=o.client_id, outcome=o.outcome, error=o.error, detail=o.detail,
                    category=o.reading.category if o.reading is not None else None) for o in outcomes])


@router.get("/residents/{resident_id}/readings", response_model=list[ReadingRead])
def resident_readings(resident_id: uuid.UUID, session: SessionDep, who: Actor = People,
                      since: datetime | None = None, include_deleted: bool = False,
                      limit: int = Query(default=200, ge=1, le=2000)) -> list[ReadingRead]:
    open_resident(session, resident_id=resident_id, actor=who, purpose="care", entity="reading")
    rows = service.list_readings(session, resident_id=resident_id, since=since, include_deleted=include_deleted,
                                 limit=limit)
    return [ReadingRead(**r.model_dump()) for r in rows]
