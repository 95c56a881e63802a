"""Use cases of accident and near-miss records, hours worked, the indicators by company (small companies'
counts suppressed), the SME programme's safety before and after, and heat stress from the site's weather feed."""

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session

from services.common.auth import Principal, Role
from services.common.citytime import CITY_ZONE
from services.common.db import insert_for
from services.common.errors import NotFound, Unprocessable
from services.industry.access import can_see_site
from services.industry.assets.models import Sensor, Site
from services.industry.programme.models import Company, SmartFactoryProject
from services.industry.safety import domain, rules
from services.industry.safety.models import SafetyEvent, WorkforceYear
from services.industry.telemetry.models import SensorLatest

INJURED = ("injury", "lost_time", "fatal")  # 재해자 (deaths included)
LOST_TIME = ("lost_time", "fatal")  # a fatality is a lost-time case too (ILO/OSHA convention)


def _company_of_site(session: Session, site: Site) -> str:
    company = session.execute(select(Company.id).where(Company.site_id == site.id)).scalars().first()
    company_id = company or site.company_id
    if not company_id:
        raise Unprocessable("this site belongs to no company", code="site_without_company")
    return company_id


def record_event(session: Session, *, data, principal: Principal | None, now: datetime, via: str) -> SafetyEvent:
    """An accident (by people with access to the site) or a near miss (also from the anonymous phone page)."""
    site = session.get(Site, data.site_id)
    if site is None:
        raise NotFound("no such site", code="site_not_found")
    if principal is not None and not can_see_site(principal, site_id=site.id, company_id=site.company_id):
        raise NotFound("no such site", code="site_not_found")
    if data.occurred_at > now + timedelta(minutes=5):
        raise Unprocessable("occurred_at is in the future", code="future_timestamp")
    if data.category not in rules.NEAR_MISS_CATEGORIES:
        raise Unprocessable("unknown category", code="unknown_category")
    event = SafetyEvent(company_id=_company_of_site(session, site), site_id=site.id, kind=data.kind,
                        category=data.category, occurred_at=data.occurred_at, lost_days=data.lost_days,
                        place=data.place, description=data.description, reported_at=now, reported_via=via)
    session.add(event)
    session.flush()
    return event


def list_events(session: Session, *, principal: Principal, kind: str | None, limit: int) -> list[SafetyEvent]:
    query = select(SafetyEvent).order_by(SafetyEvent.occurred_at.desc(), SafetyEvent.id.desc()).limit(limit)
    if kind:
        query = query.where(SafetyEvent.kind == kind)
    return [e for e in session.execute(query).scalars() if _may_see_company(principal, e.company_id)]


def _may_see_company(principal: Principal, company_id: str) -> bool:
    return principal.role in (Role.admin, Role.official) or principal.company_id == company_id


def upsert_workforce(session: Session, *, data) -> None:
    stmt = insert_for(session, WorkforceYear.__table__)
    stmt = stmt.on_conflict_do_update(index_elements=["company_id", "year"],
                                      set_={"workers": stmt.excluded.workers, "hours_worked": stmt.excluded.hours_worked})
    session.connection().execute(stmt, [data.model_dump()])


def _counts(session: Session) -> dict[tuple[str, int], dict]:
    counts: dict[tuple[str, int], dict] = defaultdict(lambda: {"injured": 0, "deaths": 0, "lost_time": 0,
                                                               "near_misses": 0, "lost_days": 0})
    for e in session.execute(select(SafetyEvent)).scalars():
        c = counts[(e.company_id, e.occurred_at.astimezone(CITY_ZONE).year)]
        c["injured"] += e.kind in INJURED
        c["deaths"] += e.kind == "fatal"
        c["lost_time"] += e.kind in LOST_TIME
        c["near_misses"] += e.kind == "near_miss"
        c["lost_days"] += e.lost_days
    return counts


def _figures(company_id: str, year: int, counts: dict, workforce: WorkforceYear | None, *, suppress: bool) -> dict:
    c = counts.get((company_id, year), {"injured": 0, "deaths": 0, "lost_time": 0, "near_misses": 0, "lost_days": 0})
    workers = workforce.workers if workforce else None
    hours = workforce.hours_worked if workforce else None
    out = {"company_id": company_id, "year": year, "workers": workers, "hours_worked": hours, **c,
           **domain.indicators(injured=c["injured"], deaths=c["deaths"], lost_time=c["lost_time"], workers=workers,
                               hours=hours), "suppressed": False}
    if suppress and domain.suppressed(workers=workers, counts=[c["injured"], c["deaths"], c["lost_time"]]):
        for key in ("injured", "deaths", "lost_time", "lost_days", "injury_rate", "fatality_per_10k", "ltifr"):
            out[key] = None
        out["suppressed"] = True
    return out


def indicators_by_company(session: Session, *, principal: Principal, year: int) -> dict:
    """재해율, 사고사망만인율 and LTIFR per company for a calendar year (Pohang time), with their definitions.
    A partner sees its own company unsuppressed; everyone else sees small companies' small counts suppressed."""
    counts = _counts(session)
    workforce = {w.company_id: w for w in session.execute(
        select(WorkforceYear).where(WorkforceYear.year == year)).scalars()}
    names = {c.id: c.name_ko or c.name for c in session.execute(select(Company)).scalars()}
    companies = sorted({cid for cid, y in counts if y == year} | set(workforce))
    rows = []
    for cid in companies:
        if principal.role not in (Role.admin, Role.official) and principal.company_id != cid:
            continue
        row = _figures(cid, year, counts, workforce.get(cid), suppress=principal.company_id != cid)
        rows.append({**row, "name": names.get(cid, cid)})
    return {"year": year, "companies": rows,
            "definitions": [i.__dict__ for i in rules.INDICATORS],
            "suppression": f"a count of 1-{rules.MIN_SHOWN_COUNT - 1} in a company of fewer than "
                           f"{rules.SMALL_COMPANY_WORKERS} workers is not shown"}


def _window(session: Session, *, company_id: str, start: date, end: date, suppress: bool) -> dict:
    """Figures over [start, end): events counted in the window, hours worked pro-rated from each calendar year's
    total by the days of that year inside the window, workers as the day-weighted mean of the years' counts."""
    days = (end - start).days
    if days <= 0:
        return {"start": start, "end": end, "days": 0, "measured": False}
    years = {w.year: w for w in session.execute(
        select(WorkforceYear).where(WorkforceYear.company_id == company_id,
                                    WorkforceYear.year.between(start.year, end.year))).scalars()}
    hours, worker_days, covered = Fraction(0), Fraction(0), 0
    for year in range(start.year, end.year + 1):
        lo, hi = max(start, date(year, 1, 1)), min(end, date(year + 1, 1, 1))
        inside = (hi - lo).days
        w = years.get(year)
        if inside <= 0 or w is None:
            continue
        in_year = (date(year + 1, 1, 1) - date(year, 1, 1)).days
        hours += Fraction(str(w.hours_worked)) * inside / in_year
        worker_days += w.workers * inside
        covered += inside
    lo_t = datetime.combine(start, time(0), CITY_ZONE).astimezone(UTC)
    hi_t = datetime.combine(end, time(0), CITY_ZONE).astimezone(UTC)
    events = list(session.execute(select(SafetyEvent).where(
        SafetyEvent.company_id == company_id, SafetyEvent.occurred_at >= lo_t, SafetyEvent.occurred_at < hi_t)).scalars())
    c = {"injured": sum(e.kind in INJURED for e in events), "deaths": sum(e.kind == "fatal" for e in events),
         "lost_time": sum(e.kind in LOST_TIME for e in events), "near_misses": sum(e.kind == "near_miss" for e in events)}
    workers = round(worker_days / covered) if covered else None
    out = {"start": start, "end": end, "days": days, "measured": covered == days, "workers": workers,
           "hours_worked": float(hours) if covered else None, **c,
           **domain.indicators(injured=c["injured"], deaths=c["deaths"], lost_time=c["lost_time"], workers=workers,
                               hours=float(hours) if covered else None), "suppressed": False}
    if suppress and domain.suppressed(workers=workers, counts=[c["injured"], c["deaths"], c["lost_time"]]):
        out.update({k: None for k in ("injured", "deaths", "lost_time", "injury_rate", "fatality_per_10k", "ltifr")},
                   suppressed=True)
    return out


def sme_before_after(session: Session, *, principal: Principal, today: date) -> list[dict]:
    """Each built SME project: safety in the 365 days before it started and in the days after it was finished
    (up to 365, fewer while the year is not over), beside its productivity and quality before and after."""
    out = []
    query = select(SmartFactoryProject, Company).join(Company, Company.id == SmartFactoryProject.company_id)
    for project, company in session.execute(query.order_by(SmartFactoryProject.id)).all():
        if not (project.start_date and project.completed_date):
            continue
        if principal.role not in (Role.admin, Role.official) and principal.company_id != company.id:
            continue
        suppress = principal.company_id != company.id
        after_end = min(project.completed_date + timedelta(days=365), today)
        out.append({
            "project_id": project.id, "company_id": company.id, "name": company.name_ko or company.name,
            "before": _window(session, company_id=company.id, start=project.start_date - timedelta(days=365),
                              end=project.start_date, suppress=suppress),
            "after": _window(session, company_id=company.id, start=project.completed_date, end=after_end,
                             suppress=suppress),
            "productivity_before": project.productivity_before, "productivity_after": project.productivity_after,
            "defect_rate_before": project.defect_rate_before, "defect_rate_after": project.defect_rate_after,
        })
    return out


# --- heat ----------------------------------------------------------------------------------------------------

WEATHER_TEMP, WEATHER_RH = "air_temperature", "relative_humidity"


def heat(session: Session, *, site: Site, now: datetime, tz: str, shift_end_hour: int) -> dict:
    """Apparent temperature from the site's weather sensors, the Ministry's stage and the rest breaks still due
    in today's shift."""
    latest = {}
    for sensor, row in session.execute(
        select(Sensor, SensorLatest).join(SensorLatest, SensorLatest.sensor_id == Sensor.id)
        .where(Sensor.site_id == site.id, Sensor.quantity.in_((WEATHER_TEMP, WEATHER_RH)))
    ).all():
        if sensor.quantity not in latest or row.ts > latest[sensor.quantity].ts:
            latest[sensor.quantity] = row
    if WEATHER_TEMP not in latest or WEATHER_RH not in latest:
        raise NotFound("the site has no weather readings (air_temperature and relative_humidity)",
                       code="no_weather")
    temp, rh = latest[WEATHER_TEMP].value, latest[WEATHER_RH].value
    apparent = domain.apparent_temperature_c(temp, rh)
    stage = domain.heat_stage(apparent)
    zone = ZoneInfo(tz)
    local_now = now.astimezone(zone)
    shift_end = datetime.combine(local_now.date(), time(shift_end_hour), zone)
    reminders = domain.rest_reminders(stage, local_now=local_now, shift_end_local=shift_end)
    measured_at = min(latest[WEATHER_TEMP].ts, latest[WEATHER_RH].ts)
    age_s = (now - measured_at).total_seconds()
    return {"site_id": site.id, "measured_at": measured_at, "age_s": round(age_s),
            "stale": age_s > rules.HEAT_WEATHER_MAX_AGE_S,
            "air_temperature_c": temp, "relative_humidity_pct": rh, "apparent_temperature_c": round(apparent, 1),
            "stage": stage.key if stage else "none", "stage_ko": stage.label_ko if stage else "해당 없음",
            "advice_ko": stage.advice_ko if stage else "", "rest_min_per_hour": stage.rest_min_per_hour if stage else 0,
            "reminders": [{**r, "at": r["at"].astimezone(UTC)} for r in reminders],
            "source": rules.HEAT_SOURCE, "apparent_temperature_source": rules.APPARENT_TEMPERATURE_SOURCE}
