"""HTTP API of the SME smart-factory programme under /v1/programme."""


from services.common.db import SessionDep
from services.common.routing import APIRouter
from services.industry.access import Official, OfficialOrPartner
from services.industry.programme import service
from services.industry.programme.schemas import CompanyCreate, ProjectCreate, ProjectRead, SurveyResultIn

router = APIRouter(prefix="/v1/programme", tags=["programme"])


@router.post("/companies", response_model=CompanyCreate, status_code=201)
def create_company(data: CompanyCreate, session: SessionDep, _: Official):
    return service.create_company(session, data=data)


@router.post("/projects", response_model=ProjectRead, status_code=201)
def create_project(data: ProjectCreate, session: SessionDep, _: Official):
    project = service.create_project(session, data=data)
    from services.industry.programme.models import Company

    return service.project_view(project, session.get(Company, project.company_id))


@router.get("/projects", response_model=list[ProjectRead])
def list_projects(session: SessionDep, principal: OfficialOrPartner):
    """Every project for officials; a partner's own company's only."""
    return service.list_projects(session, principal)


@router.get("/projects/{project_id}", response_model=ProjectRead)
def get_project(project_id: str, session: SessionDep, principal: OfficialOrPartner):
    """One project; another company's answers 404 to a partner."""
    return service.get_project(session, project_id=project_id, principal=principal)


@router.get("/progress")
def progress(session: SessionDep, principal: OfficialOrPartner) -> dict:
    """Targets (with the programme's published figures and our own count), funding shares, levels reached;
    a partner's own figures are its company's only."""
    return service.progress(session, principal)


@router.post("/surveys", status_code=201)
def upsert_survey(data: SurveyResultIn, session: SessionDep, _: Official) -> dict:
    row = service.upsert_survey(session, data=data)
    return row.model_dump()


@router.get("/surveys")
def surveys(session: SessionDep, _: OfficialOrPartner) -> dict:
    """Published survey results side by side by year and source; they disagree, so none is averaged away."""
    return service.surveys_side_by_side(session)
