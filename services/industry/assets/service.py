"""Use cases on assets: create and list sites, lines, work units and sensors. Flush, never commit."""

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from services.common.auth import Principal
from services.common.errors import Conflict, NotFound, Unprocessable
from services.industry.access import can_see_site, check_site
from services.industry.assets.models import Line, Sensor, Site, WorkUnit


def _add(session: Session, row, what: str):
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise Conflict(f"{what} already exists", code=f"{what}_exists") from None
    return row


def create_site(session: Session, *, data) -> Site:
    return _add(session, Site(**data.model_dump()), "site")


def create_line(session: Session, *, data) -> Line:
    get_site(session, site_id=data.site_id)
    return _add(session, Line(**data.model_dump()), "line")


def create_work_unit(session: Session, *, data) -> WorkUnit:
    line = session.get(Line, data.line_id)
    if line is None:
        raise NotFound("no such line", code="line_not_found")
    return _add(session, WorkUnit(**data.model_dump(), site_id=line.site_id), "work_unit")


def create_sensor(session: Session, *, data) -> Sensor:
    unit = session.get(WorkUnit, data.work_unit_id)
    if unit is None:
        raise NotFound("no such work unit", code="work_unit_not_found")
    if data.min_valid is not None and data.max_valid is not None and data.min_valid >= data.max_valid:
        raise Unprocessable("min_valid must be below max_valid", code="bad_valid_range")
    return _add(session, Sensor(**data.model_dump(), site_id=unit.site_id), "sensor")


def get_site(session: Session, *, site_id: str) -> Site:
    site = session.get(Site, site_id)
    if site is None:
        raise NotFound("no such site", code="site_not_found")
    return site


def visible_site(session: Session, *, site_id: str, principal: Principal) -> Site:
    site = get_site(session, site_id=site_id)
    check_site(principal, site_id=site.id, company_id=site.company_id)
    return site


def list_sites(session: Session, *, principal: Principal) -> list[Site]:
    sites = session.exec(select(Site).order_by(Site.id)).all()
    return [s for s in sites if can_see_site(principal, site_id=s.id, company_id=s.company_id)]


def site_detail(session: Session, *, site_id: str, principal: Principal) -> dict:
    site = visible_site(session, site_id=site_id, principal=principal)
    return {
        **site.model_dump(),
        "lines": session.exec(select(Line).where(Line.site_id == site_id).order_by(Line.id)).all(),
        "work_units": session.exec(select(WorkUnit).where(WorkUnit.site_id == site_id).order_by(WorkUnit.id)).all(),
        "sensors": session.exec(select(Sensor).where(Sensor.site_id == site_id).order_by(Sensor.id)).all(),
    }


def visible_on_site(session: Session, model, key, *, principal: Principal, what: str, code: str):
    """A row that belongs to a site (it has `site_id`), found and on a site the caller may see; else 404 / 403."""
    row = session.get(model, key)
    if row is None:
        raise NotFound(f"no such {what}", code=code)
    visible_site(session, site_id=row.site_id, principal=principal)
    return row


def visible_work_unit(session: Session, *, work_unit_id: str, principal: Principal) -> WorkUnit:
    return visible_on_site(session, WorkUnit, work_unit_id, principal=principal, what="work unit",
                           code="work_unit_not_found")


def visible_sensor(session: Session, *, sensor_id: int, principal: Principal) -> Sensor:
    return visible_on_site(session, Sensor, sensor_id, principal=principal, what="sensor", code="sensor_not_found")
