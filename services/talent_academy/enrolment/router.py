"""HTTP API of enrolment under /v1: learners, applications, waitlists, withdrawals and offers."""

import uuid

from fastapi import Query, Request, Response
from sqlmodel import Session

from services.common.auth import Principal
from services.common.db import SessionDep, utcnow
from services.common.routing import APIRouter
from services.talent_academy.access import (
    AcademyStaff,
    StaffOrPartner,
    audit_read,
    check_company,
    partner_company,
)
from services.talent_academy.enrolment import service
from services.talent_academy.enrolment.batches import batches_of
from services.talent_academy.enrolment.schemas import (
    BulkEnrolmentCreate,
    BulkEnrolmentItem,
    ConsentUpdate,
    EnrolmentCreate,
    EnrolmentRead,
    ErasureRead,
    LearnerAccessRead,
    LearnerCreate,
    LearnerRead,
    PathRead,
    StaffEnrolmentRead,
    WithdrawalRead,
)

router = APIRouter(prefix="/v1", tags=["enrolment"])


def _learner_read(session: Session, learner) -> LearnerRead:
    return LearnerRead(**learner.model_dump(), completed_courses=sorted(service.completed_courses(session, learner.id)))


def _check_learner(session: Session, principal: Principal, learner_id: uuid.UUID):
    return service.get_learner(session, learner_id, principal=principal)


@router.post("/learners", response_model=LearnerRead, status_code=201)
def create_learner(data: LearnerCreate, response: Response, session: SessionDep, principal: StaffOrPartner):
    """Registers a learner (a record, not an account). A partner registers its own nominees only.
    The same client-made `id` again returns the stored learner (200)."""
    own = partner_company(principal)
    if own is not None:
        data = data.model_copy(update={"sponsor_company_id": own})
    learner, created = service.create_learner(session, data=data)
    if not created:
        if own is not None:
            check_company(principal, learner.sponsor_company_id or "")
        response.status_code = 200
    return _learner_read(session, learner)


@router.get("/learners/{learner_id}", response_model=LearnerRead)
def get_learner(learner_id: uuid.UUID, session: SessionDep, principal: StaffOrPartner):
    learner = _check_learner(session, principal, learner_id)
    audit_read(session, principal, "read_learner", [learner.id])
    return _learner_read(session, learner)


@router.put("/learners/{learner_id}/consent", response_model=LearnerRead)
def set_consent(learner_id: uuid.UUID, data: ConsentUpdate, session: SessionDep, principal: AcademyStaff):
    """Records the learner's consent to share their profile with partners (or its withdrawal: their open
    proposals are withdrawn and they are no longer a candidate)."""
    learner = service.set_consent(session, learner_id=learner_id, consent=data.consent_to_share, now=utcnow())
    audit_read(session, principal, "read_learner", [learner.id], change="consent")
    return _learner_read(session, learner)


@router.delete("/learners/{learner_id}", response_model=ErasureRead)
def erase_learner(learner_id: uuid.UUID, session: SessionDep, principal: AcademyStaff):
    """Erases a learner's record once their programmes are over (PIPA art. 21 and 36): name, birth date,
    residence, contact, skills, scores, matches, notifications and invitations go; what the outcome
    indicators count stays, cut from the person (an unlinkable id). 409 `programme_running` before the end."""
    return service.erase_learner(session, learner_id=learner_id, now=utcnow())


@router.get("/learners/{learner_id}/path", response_model=PathRead)
def learning_path(learner_id: uuid.UUID, target: str, session: SessionDep, principal: StaffOrPartner):
    """The courses still to take before (and including) `target`, prerequisites first, in term order."""
    _check_learner(session, principal, learner_id)
    audit_read(session, principal, "read_path", [learner_id], target=target)
    return PathRead(learner_id=learner_id, target=target,
                    courses=service.learning_path(session, learner_id=learner_id, target=target))


@router.post("/offerings/{offering_id}/enrolments", response_model=EnrolmentRead, status_code=201)
async def enrol(offering_id: int, data: EnrolmentCreate, request: Request, response: Response,
                principal: StaffOrPartner):
    """Applies for a seat: `enrolled`, or `waitlisted` with `position`. Idempotent per learner: asking again
    answers 200 with the same enrolment. Partners apply for their own nominees (source `partner`).
    Applications arriving together are written together, one commit per batch (enrolment/batches.py)."""
    own = partner_company(principal)
    enrolment, created = await batches_of(request.app).apply(
        offering_id, learner_id=data.learner_id, source="partner" if own else data.source, partner_company_id=own)
    if not created:
        response.status_code = 200
    return enrolment


@router.post("/offerings/{offering_id}/enrolments/bulk", response_model=list[BulkEnrolmentItem])
def enrol_bulk(offering_id: int, data: BulkEnrolmentCreate, session: SessionDep, _: AcademyStaff):
    """Staff enrol a list of learners in order, through the same seat rule; each item answers for itself."""
    items = service.enrol_bulk(session, offering_id=offering_id, learner_ids=data.learner_ids, now=utcnow())
    return items


@router.get("/offerings/{offering_id}/enrolments", response_model=list[StaffEnrolmentRead])
def list_enrolments(offering_id: int, session: SessionDep, principal: AcademyStaff,
                    status: str | None = Query(None, max_length=16)):
    """The applications queue of one offering for staff, with each learner's name and consent (audited)."""
    rows = service.enrolments_with_names(session, offering_id=offering_id, status=status)
    audit_read(session, principal, "read_enrolments", [r["learner_id"] for r in rows], offering_id=offering_id)
    return rows


@router.get("/offerings/{offering_id}/waitlist", response_model=list[EnrolmentRead])
def waitlist(offering_id: int, session: SessionDep, principal: AcademyStaff):
    rows = service.waitlist(session, offering_id)
    audit_read(session, principal, "read_waitlist", [r.learner_id for r in rows], offering_id=offering_id)
    return rows


def _own_enrolment(session: Session, principal: Principal, enrolment_id: int):
    enrolment = service.get_enrolment(session, enrolment_id)
    if partner_company(principal) is not None:
        _check_learner(session, principal, enrolment.learner_id)
    return enrolment


@router.get("/enrolments/{enrolment_id}", response_model=EnrolmentRead)
def get_enrolment(enrolment_id: int, session: SessionDep, principal: StaffOrPartner):
    enrolment = _own_enrolment(session, principal, enrolment_id)
    audit_read(session, principal, "read_enrolment", [enrolment.learner_id], enrolment_id=enrolment_id)
    return service.read(session, enrolment)


@router.get("/learner-access", response_model=list[LearnerAccessRead])
def learner_access(session: SessionDep, _: AcademyStaff, learner_id: uuid.UUID | None = None,
                   limit: int = Query(200, ge=1, le=1000)):
    """The access log of learner records: who read which learner's record, when and how."""
    return service.access_log(session, learner_id=learner_id, limit=limit)


@router.post("/enrolments/{enrolment_id}/withdraw", response_model=WithdrawalRead)
def withdraw(enrolment_id: int, session: SessionDep, principal: StaffOrPartner):
    """Leaves the offering; a freed seat is offered to the next person in the same transaction."""
    _own_enrolment(session, principal, enrolment_id)
    enrolment, promoted = service.withdraw(session, enrolment_id=enrolment_id, now=utcnow())
    return WithdrawalRead(enrolment=service.read(session, enrolment),
                           promoted=service.read(session, promoted) if promoted else None)


@router.post("/enrolments/{enrolment_id}/accept", response_model=EnrolmentRead)
def accept_offer(enrolment_id: int, session: SessionDep, principal: StaffOrPartner):
    _own_enrolment(session, principal, enrolment_id)
    return service.read(session, service.accept_offer(session, enrolment_id=enrolment_id, now=utcnow()))


@router.post("/enrolments/{enrolment_id}/decline", response_model=WithdrawalRead)
def decline_offer(enrolment_id: int, session: SessionDep, principal: StaffOrPartner):
    _own_enrolment(session, principal, enrolment_id)
    enrolment, promoted = service.decline_offer(session, enrolment_id=enrolment_id, now=utcnow())
    return WithdrawalRead(enrolment=service.read(session, enrolment),
                           promoted=service.read(session, promoted) if promoted else None)


