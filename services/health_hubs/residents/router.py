"""HTTP endpoints for residents: search, register, read, update, consents, cards, duplicates, merge, kiosk id."""

import uuid
from datetime import date

from fastapi import Query, Request, Response
from pydantic import BaseModel, Field

from services.common.db import SessionDep, utcnow
from services.common.errors import Unprocessable
from services.common.routing import APIRouter
from services.health_hubs.access import KioskOrAdmin, StaffOrNurse
from services.health_hubs.residents import erasure, service
from services.health_hubs.residents.domain import Person, initials
from services.health_hubs.residents.schemas import (
    Candidate,
    ConsentChange,
    DuplicateRead,
    DuplicateResolve,
    ErasureRead,
    ErasureRequest,
    KioskIdentity,
    MergeRead,
    MergeRequest,
    ResidentCreate,
    ResidentCreated,
    ResidentPage,
    ResidentRead,
    ResidentUpdate,
    Sex,
    TokenIssued,
)

router = APIRouter(tags=["residents"])


@router.get("/residents/search", response_model=list[Candidate])
def search_residents(
    session: SessionDep, who: StaffOrNurse,
    family_name: str = Query(min_length=1, max_length=40), given_name: str = Query(min_length=1, max_length=60),
    birth_date: date = Query(), sex: Sex = Query(), phone: str | None = Query(default=None, max_length=20),
    centre_id: str | None = Query(default=None, pattern=r"^C\d{3}$"),
) -> list[Candidate]:
    person = Person(family_name, given_name, birth_date, sex, phone, centre_id)
    return service.search(session, person=person, actor=who)


@router.post("/residents", response_model=ResidentCreated, status_code=201)
def register_resident(data: ResidentCreate, request: Request, session: SessionDep,
                      who: StaffOrNurse) -> ResidentCreated:
    resident, token, dups = service.register(
        session, data=data, actor=who, consent_version=request.app.state.settings.consent_version, now=utcnow())
    return ResidentCreated(resident=service.read_model(session, resident), token=token, possible_duplicates=dups)


@router.get("/residents", response_model=ResidentPage)
def list_residents(session: SessionDep, who: StaffOrNurse,
                   centre_id: str | None = Query(default=None, pattern=r"^C\d{3}$"),
                   limit: int = Query(default=50, ge=1, le=500), offset: int = Query(default=0, ge=0)):
    rows, total = service.list_residents(session, actor=who, centre_id=centre_id, limit=limit, offset=offset)
    return ResidentPage(items=[service.read_model(session, r) for r in rows], total=total)


@router.get("/residents/{resident_id}", response_model=ResidentRead)
def read_resident(resident_id: uuid.UUID, session: SessionDep, who: StaffOrNurse) -> ResidentRead:
    resident = service.open_resident(session, resident_id=resident_id, actor=who, purpose="care")
    return service.read_model(session, resident)


@router.patch("/residents/{resident_id}", response_model=ResidentRead)
def update_resident(resident_id: uuid.UUID, data: ResidentUpdate, session: SessionDep,
                    who: StaffOrNurse) -> ResidentRead:
    resident = service.update_resident(session, resident_id=resident_id, data=data, actor=who, now=utcnow())
    return service.read_model(session, resident)


@router.post("/residents/{resident_id}/consents", response_model=ResidentRead | ErasureRead)
def change_consent(resident_id: uuid.UUID, data: ConsentChange, request: Request, session: SessionDep,
                   who: StaffOrNurse) -> ResidentRead | ErasureRead:
    """Records a consent decision. Withdrawing health-data consent with `erase: true` erases the record as
    POST /residents/{id}/erasure does (reason health_data_consent_withdrawn) and answers the erasure."""
    if data.erase:
        if data.kind != "health_data" or data.granted:
            raise Unprocessable("erase goes only with withdrawing health_data consent", code="erase_needs_withdrawal")
        return erasure.erase(session, resident_id=resident_id, reason="health_data_consent_withdrawn", actor=who,
                             now=utcnow())
    version = data.version or request.app.state.settings.consent_version
    resident = service.change_consent(session, resident_id=resident_id, kind=data.kind, granted=data.granted,
                                      version=version, actor=who, now=utcnow())
    return service.read_model(session, resident)


@router.post("/residents/{resident_id}/erasure", response_model=ErasureRead, status_code=201,
             responses={200: {"description": "already erased: the first erasure's answer, nothing new done"}})
def erase_resident(resident_id: uuid.UUID, data: ErasureRequest, response: Response, session: SessionDep,
                   who: StaffOrNurse) -> ErasureRead:
    """Erases the resident's identifying data, consents, cards, readings, alerts and referrals (and any record
    merged into it) in this one transaction; the audit log keeps that it happened. The resident's own centre
    staff or an admin; a retry answers 200 with the same erasure."""
    answer = erasure.erase(session, resident_id=resident_id, reason=data.reason, actor=who, now=utcnow())
    if answer.replayed:
        response.status_code = 200
    return answer


@router.post("/residents/{resident_id}/card", response_model=TokenIssued, status_code=201)
def replace_card(resident_id: uuid.UUID, session: SessionDep, who: StaffOrNurse) -> TokenIssued:
    token = service.new_card(session, resident_id=resident_id, actor=who, now=utcnow())
    return TokenIssued(resident_id=resident_id, token=token)


@router.post("/residents/{resident_id}/merge", response_model=MergeRead, status_code=201)
def merge_residents(resident_id: uuid.UUID, data: MergeRequest, session: SessionDep,
                    who: StaffOrNurse) -> MergeRead:
    history = service.merge(session, kept_id=resident_id, merged_id=data.merged_id, reason=data.reason,
                            actor=who, now=utcnow())
    return MergeRead(**history.model_dump())


@router.get("/residents/{resident_id}/merges", response_model=list[MergeRead])
def resident_merges(resident_id: uuid.UUID, session: SessionDep, who: StaffOrNurse) -> list[MergeRead]:
    service.open_resident(session, resident_id=resident_id, actor=who, purpose="merge_history")
    return [MergeRead(**h.model_dump()) for h in service.merge_history(session, resident_id=resident_id)]


@router.get("/duplicates", response_model=list[DuplicateRead])
def duplicate_queue(session: SessionDep, who: StaffOrNurse,
                    status: str = Query(default="open", pattern="^(open|merged|distinct)$")) -> list[DuplicateRead]:
    return [DuplicateRead(**d.model_dump()) for d in service.list_duplicates(session, actor=who, status=status)]


@router.post("/duplicates/{duplicate_id}/resolve", response_model=DuplicateRead)
def resolve_duplicate(duplicate_id: int, data: DuplicateResolve, session: SessionDep,
                      who: StaffOrNurse) -> DuplicateRead:
    row = service.resolve_duplicate(session, duplicate_id=duplicate_id, decision=data.decision, keep=data.keep,
                                    reason=data.reason, actor=who, now=utcnow())
    return DuplicateRead(**row.model_dump())


class IdentifyIn(BaseModel):
    token: str = Field(min_length=4, max_length=64)


@router.post("/kiosk/identify", response_model=KioskIdentity)
def kiosk_identify(data: IdentifyIn, session: SessionDep, who: KioskOrAdmin) -> KioskIdentity:
    resident, can_measure = service.identify(session, token=data.token, actor=who)
    return KioskIdentity(resident_id=resident.id, display_name=resident.given_name,
                         initials=initials(resident.family_name, resident.given_name),
                         centre_id=resident.centre_id, can_measure=can_measure)
