"""Use cases of the SME programme: companies, projects, progress against targets, surveys. Flush only."""

from collections import defaultdict

from sqlalchemy import select
from sqlmodel import Session

from services.common.auth import Principal, Role
from services.common.db import insert_for
from services.common.errors import Conflict, NotFound, Unprocessable
from services.industry.assets.models import Site
from services.industry.programme import domain
from services.industry.programme.models import Company, ProgrammeTarget, SmartFactoryProject, SurveyResult


def create_company(session: Session, *, data) -> Company:
    if session.get(Company, data.id):
        raise Conflict("company exists", code="company_exists")
    if data.site_id is not None and session.get(Site, data.site_id) is None:
        raise NotFound("no such site", code="site_not_found")
    company = Company(**data.model_dump())
    session.add(company)
    session.flush()
    return company


def create_project(session: Session, *, data) -> SmartFactoryProject:
    if session.get(Company, data.company_id) is None:
        raise NotFound("no such company", code="company_not_found")
    if session.get(SmartFactoryProject, data.id):
        raise Conflict("project exists", code="project_exists")
    if data.status == "built" and data.level_after is None:
        raise Unprocessable("a built project needs the level reached", code="level_after_required")
    if data.level_after is not None and domain.level_up(data.level_before, data.level_after) < 0:
        raise Unprocessable("level_after is below level_before", code="level_down")
    project = SmartFactoryProject(**data.model_dump())
    session.add(project)
    session.flush()
    return project


def project_view(p: SmartFactoryProject, company: Company) -> dict:
    return {**p.model_dump(), "company_name": company.name,
            "funding": domain.funding_shares(p.funding_company_krw, p.funding_steelmaker_krw, p.funding_ministry_krw),
            "improvements_pct": domain.improvements(p), "levels_gained": domain.level_up(p.level_before, p.level_after)}


def company_scope(principal: Principal | None) -> str | None:
    """The one company whose programme data the caller may see, or None for all (admins and officials). A
    partner sees only its own company's projects, funding, productivity, defect rate and unit cost: these are
    an SME's business figures, given to the programme, not to its competitors."""
    if principal is None or principal.role in (Role.admin, Role.official):
        return None
    return principal.company_id or "\x00no-company"  # a partner without a company sees nothing


def _projects(session: Session, principal: Principal | None):
    query = select(SmartFactoryProject).order_by(SmartFactoryProject.id)
    scope = company_scope(principal)
    if scope is not None:
        query = query.where(SmartFactoryProject.company_id == scope)
    return list(session.execute(query).scalars())


def list_projects(session: Session, principal: Principal | None = None) -> list[dict]:
    projects = _projects(session, principal)
    ids = {p.company_id for p in projects}
    companies = {c.id: c for c in session.execute(select(Company).where(Company.id.in_(ids))).scalars()} if ids else {}
    return [project_view(p, companies[p.company_id]) for p in projects]


def get_project(session: Session, *, project_id: str, principal: Principal | None = None) -> dict:
    """One project; another company's is 404 for a partner, as if it did not exist."""
    project = session.get(SmartFactoryProject, project_id)
    scope = company_scope(principal)
    if project is None or (scope is not None and project.company_id != scope):
        raise NotFound("no such project", code="project_not_found")
    return project_view(project, session.get(Company, project.company_id))


def progress(session: Session, principal: Principal | None = None) -> dict:
    """Our own count (projects recorded here) beside the programme's targets and published figures. A partner's
    count, funding and means are its own company's only (the targets and published figures are public)."""
    projects = _projects(session, principal)
    built = [p for p in projects if p.status == "built"]
    funding = defaultdict(int)
    for p in projects:
        funding["company"] += p.funding_company_krw
        funding["steelmaker"] += p.funding_steelmaker_krw
        funding["ministry"] += p.funding_ministry_krw
    by_level = {level: sum(1 for p in built if p.level_after == level) for level in domain.LEVELS[1:]}
    recorded = {"smes_built": len({p.company_id for p in built}), "projects": len(projects),
                "steelmaker_funding_krw": funding["steelmaker"]}
    targets = []
    for t in session.execute(select(ProgrammeTarget).order_by(ProgrammeTarget.key)).scalars():
        ours = recorded.get(t.key)
        targets.append({**t.model_dump(), "recorded_here": ours,
                        "published_share": t.published_actual / t.target if t.published_actual is not None
                        and t.target else None,
                        "recorded_share": ours / t.target if ours is not None and t.target else None})
    means = {}
    for metric in ("productivity", "quality", "cost", "delivery_time"):
        values = [domain.improvements(p)[metric] for p in built]
        values = [v for v in values if v is not None]
        means[metric] = sum(values) / len(values) if values else None
    return {"targets": targets, "recorded": recorded, "built_by_level": by_level,
            "funding_krw": {**funding, **{"shares": domain.funding_shares(funding["company"], funding["steelmaker"],
                                                                          funding["ministry"])}},
            "mean_improvement_pct_recorded": means}


def upsert_survey(session: Session, *, data) -> SurveyResult:
    stmt = insert_for(session, SurveyResult.__table__)
    stmt = stmt.on_conflict_do_update(index_elements=["source", "year", "metric"],
                                      set_={"change_pct": stmt.excluded.change_pct, "note": stmt.excluded.note})
    session.connection().execute(stmt, data.model_dump())
    return session.execute(select(SurveyResult).where(
        SurveyResult.source == data.source, SurveyResult.year == data.year, SurveyResult.metric == data.metric)
        .execution_options(populate_existing=True)).scalars().one()


def surveys_side_by_side(session: Session) -> dict:
    """One column per (year, source), one row per metric: the published figures as they are, never averaged."""
    rows = list(session.execute(select(SurveyResult).order_by(SurveyResult.year, SurveyResult.source)).scalars())
    columns = []
    for r in rows:
        key = {"year": r.year, "source": r.source}
        if key not in columns:
            columns.append(key)
    table = {m: [None] * len(columns) for m in domain.METRICS}
    notes = {}
    for r in rows:
        i = columns.index({"year": r.year, "source": r.source})
        table[r.metric][i] = r.change_pct
        if r.note:
            notes[f"{r.year} {r.source} {r.metric}"] = r.note
    return {"columns": columns, "rows": [{"metric": m, "values": table[m]} for m in domain.METRICS],
            "notes": notes}
