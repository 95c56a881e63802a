"""HTTP API of partners under /v1: a partner sees and acts only for its own company."""

from fastapi import Query

from services.common.db import SessionDep, utcnow
from services.common.routing import APIRouter
from services.talent_academy.access import (
    AcademyStaff,
    StaffOrPartner,
    audit_read,
    check_company,
    partner_company,
)
from services.talent_academy.partners import service
from services.talent_academy.partners.schemas import (
    CandidateRead,
    CommitmentCreate,
    CommitmentRead,
    CompanyCreate,
    CompanyRead,
    MatchingRun,
    MatchMove,
    MatchRead,
    NominationCreate,
    OpeningCreate,
    OpeningRead,
)

router = APIRouter(prefix="/v1", tags=["partners"])


@router.post("/companies", response_model=CompanyRead, status_code=201)
def create_company(data: CompanyCreate, session: SessionDep, _: AcademyStaff):
    return service.create_company(session, data=data)


@router.post("/openings", response_model=OpeningRead, status_code=201)
def create_opening(data: OpeningCreate, session: SessionDep, principal: StaffOrPartner):
    check_company(principal, data.company_id)
    return service.create_opening(session, data=data)


@router.get("/openings", response_model=list[OpeningRead])
def list_openings(session: SessionDep, principal: StaffOrPartner,
                  company_id: str | None = Query(None, max_length=64)):
    return [OpeningRead(**o.model_dump(), **service.opening_counts(session, o.id))
            for o in service.list_openings(session, principal=principal, company_id=company_id)]


@router.post("/openings/{opening_id}/close", response_model=OpeningRead)
def close_opening(opening_id: int, session: SessionDep, principal: StaffOrPartner):
    opening = service.get_opening(session, opening_id, principal=principal)
    opening.status = "closed"
    session.flush()
    return OpeningRead(**opening.model_dump(), **service.opening_counts(session, opening.id))


@router.post("/commitments", response_model=CommitmentRead, status_code=201)
def create_commitment(data: CommitmentCreate, session: SessionDep, principal: StaffOrPartner):
    check_company(principal, data.company_id)
    c = service.create_commitment(session, data=data)
    return CommitmentRead(**c.model_dump(), hired=service.commitment_hires(session, c))


@router.get("/commitments", response_model=list[CommitmentRead])
def list_commitments(session: SessionDep, principal: StaffOrPartner):
    return [CommitmentRead(**c.model_dump(), hired=service.commitment_hires(session, c))
            for c in service.list_commitments(session, principal=principal)]


@router.post("/matching/runs", response_model=list[MatchRead], status_code=201)
def run_matching(data: MatchingRun, session: SessionDep, _: AcademyStaff):
    """Matches unplaced graduates to open seats by fit (min-cost flow); each match carries its explanation."""
    return service.run_matching(session, now=utcnow(), track_id=data.track_id)


@router.get("/matches", response_model=list[MatchRead])
def list_matches(session: SessionDep, principal: StaffOrPartner,
                 status: str | None = Query(None, max_length=16)):
    matches = service.list_matches(session, principal=principal, status=status)
    audit_read(session, principal, "read_matches", [m.learner_id for m in matches])
    if partner_company(principal):  # a partner sees the profile behind a match only while the learner consents
        consenting = service.consenting_learners(session, [m.learner_id for m in matches])
        return [MatchRead(**{**m.model_dump(), "explanation": m.explanation if m.learner_id in consenting else {}})
                for m in matches]
    return matches


@router.get("/candidates", response_model=list[CandidateRead])
def list_candidates(session: SessionDep, principal: StaffOrPartner,
                    track_id: str | None = Query(None, max_length=40)):
    """Completers who consented to share their profile with partners (skills, track, assessment), not yet
    hired; every learner shown is written to the access log."""
    rows = service.candidates(session, track_id=track_id)
    audit_read(session, principal, "read_candidates", [r["learner_id"] for r in rows])
    return rows


@router.post("/candidates/{enrolment_id}/nominate", response_model=MatchRead, status_code=201)
def nominate(enrolment_id: int, data: NominationCreate, session: SessionDep, principal: StaffOrPartner):
    """A partner picks a consenting candidate for one of its open openings (a match, status interview)."""
    opening = service.get_opening(session, data.opening_id, principal=principal)
    return service.nominate(session, enrolment_id=enrolment_id, opening=opening, now=utcnow())


@router.post("/matches/{match_id}/status", response_model=MatchRead)
def move_match(match_id: int, data: MatchMove, session: SessionDep, principal: StaffOrPartner):
    """proposed -> interview -> offer -> hired (or rejected at any step)."""
    service.get_match(session, match_id, principal=principal)  # another company's match is not found
    return service.move_match(session, match_id=match_id, status=data.status, now=utcnow())
