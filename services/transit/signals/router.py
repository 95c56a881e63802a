"""HTTP API of transit signals under /v1: detector reports, the cabinet's decision, logs, the officials' list."""

from datetime import datetime

from fastapi import Query

from services.common.db import SessionDep, utcnow
from services.common.routing import APIRouter
from services.transit.access import BusOrDetector, Detector, DetectorOrOfficial, Official
from services.transit.signals import service
from services.transit.signals.schemas import (
    AdvanceRequestIn,
    AdvanceRequestRead,
    CrossingPage,
    CrossingRead,
    CycleRead,
    DecisionRead,
    ExtensionRead,
    TrackBatchIn,
    TrackBatchResult,
)

router = APIRouter(prefix="/v1", tags=["signals"])



def _now() -> datetime:
    return utcnow()


@router.get("/crossings", response_model=CrossingPage)
def list_crossings(session: SessionDep, _: Official) -> CrossingPage:
    """Every crossing with its location, zone, design speed, measured 15th percentile and extension stats."""
    return CrossingPage(items=service.list_crossings(session, now=_now()))


@router.get("/crossings/{crossing_id}", response_model=CrossingRead)
def get_crossing(crossing_id: str, session: SessionDep, principal: DetectorOrOfficial) -> CrossingRead:
    service.check_detector_place(principal, crossing_id)
    service.get_crossing(session, crossing_id)
    return next(c for c in service.list_crossings(session, now=_now()) if c.id == crossing_id)


@router.post("/crossings/{crossing_id}/tracks", response_model=TrackBatchResult)
def post_tracks(crossing_id: str, body: TrackBatchIn, session: SessionDep,
                principal: Detector) -> TrackBatchResult:
    """A detector's report: walker tracks (positions along the crossing) and kerb demand. Idempotent on batch_id."""
    service.check_detector_place(principal, crossing_id)
    return service.ingest_tracks(session, crossing_id=crossing_id, device_id=principal.id, batch=body, now=_now())


@router.get("/crossings/{crossing_id}/decision", response_model=DecisionRead)
def get_decision(crossing_id: str, session: SessionDep, principal: DetectorOrOfficial) -> DecisionRead:
    """The current cycle's phase and remaining time (the controller is advanced to now first)."""
    service.check_detector_place(principal, crossing_id)
    return service.current_decision(session, crossing_id=crossing_id, now=_now())


@router.get("/crossings/{crossing_id}/extensions", response_model=list[ExtensionRead])
def get_extensions(crossing_id: str, session: SessionDep, principal: DetectorOrOfficial,
                   limit: int = Query(default=100, ge=1, le=1000)) -> list[ExtensionRead]:
    """Every clearance extension with its reason, newest first."""
    service.check_detector_place(principal, crossing_id)
    return [ExtensionRead.model_validate(e, from_attributes=True)
            for e in service.list_extensions(session, crossing_id=crossing_id, limit=limit)]


@router.get("/crossings/{crossing_id}/cycles", response_model=list[CycleRead])
def get_cycles(crossing_id: str, session: SessionDep, principal: DetectorOrOfficial,
               limit: int = Query(default=100, ge=1, le=1000)) -> list[CycleRead]:
    """Served pedestrian cycles: clearance given, floor, extension, how it ended."""
    service.check_detector_place(principal, crossing_id)
    return [CycleRead.model_validate(c, from_attributes=True)
            for c in service.list_cycles(session, crossing_id=crossing_id, limit=limit)]


@router.post("/crossings/{crossing_id}/advance-requests", response_model=AdvanceRequestRead)
def post_advance_request(crossing_id: str, body: AdvanceRequestIn, session: SessionDep,
                         principal: BusOrDetector
                         ) -> AdvanceRequestRead:
    """A bus, as a rider with mobility needs alights near this crossing, asks for extra time in advance."""
    service.check_detector_place(principal, crossing_id)
    return service.add_advance_request(session, crossing_id=crossing_id, device_id=principal.id, body=body,
                                       now=_now())
