"""Use cases of the KPI engine: record elements, compute ISO 22400-2 and steel indicators. Flush only."""

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from services.common.auth import Principal
from services.common.errors import Conflict, Forbidden
from services.industry.access import can_see_site
from services.industry.assets import service as assets
from services.industry.assets.models import Sensor, Site, WorkUnit
from services.industry.kpi import domain
from services.industry.kpi.models import ProductionRecord
from services.industry.telemetry.models import ReadingRollup
from services.industry.timeutil import day_bounds, local_day

_FIELDS = ("work_unit_id", "order_id", "period_start", "period_end", "pbt_s", "apt_s", "aoet_s", "pru_s", "pq",
           "gq", "sq", "rq", "fe", "ttr_s", "tbf_s")


def create_record(session: Session, *, data, principal: Principal, now: datetime) -> tuple[ProductionRecord, bool]:
    """Returns (record, created). The same id with the same content answers the first record."""
    unit = assets.visible_work_unit(session, work_unit_id=data.work_unit_id, principal=principal)
    values = data.model_dump()
    if values["aoet_s"] is None:
        values["aoet_s"] = (data.period_end - data.period_start).total_seconds()
    existing = session.get(ProductionRecord, data.id)
    if existing is None:
        record = ProductionRecord(**values, recorded_at=now, recorded_by=principal.username or principal.id)
        try:
            with session.begin_nested():
                session.add(record)
                session.flush()
            return record, True
        except IntegrityError:
            existing = session.get(ProductionRecord, data.id, populate_existing=True)
    if existing.work_unit_id != unit.id or any(_differs(getattr(existing, f), values[f]) for f in _FIELDS):
        raise Conflict("a different record was sent with this id", code="record_id_reused")
    return existing, False


def _differs(a, b) -> bool:
    if a is None or b is None:
        return a is not b
    if isinstance(a, datetime):
        return a != b
    if isinstance(a, float | int) and isinstance(b, float | int):
        return abs(a - b) > 1e-9
    return a != b


def _elements(r: ProductionRecord) -> domain.Elements:
    return domain.record_elements(pbt_s=r.pbt_s, apt_s=r.apt_s, aoet_s=r.aoet_s, pru_s=r.pru_s, pq=r.pq, gq=r.gq,
                                  sq=r.sq, rq=r.rq, fe=r.fe, ttr_s=r.ttr_s, tbf_s=r.tbf_s)


def _visible_units(session: Session, principal: Principal) -> set[str]:
    sites = {s.id: s for s in session.execute(select(Site)).scalars()}
    return {u.id for u in session.execute(select(WorkUnit)).scalars()
            if can_see_site(principal, site_id=u.site_id, company_id=sites[u.site_id].company_id)}


def _records(session: Session, *, principal: Principal, work_unit_id: str | None, order_id: str | None,
             start: datetime | None, end: datetime | None) -> list[ProductionRecord]:
    query = select(ProductionRecord).order_by(ProductionRecord.period_start)
    if work_unit_id:
        assets.visible_work_unit(session, work_unit_id=work_unit_id, principal=principal)
        query = query.where(ProductionRecord.work_unit_id == work_unit_id)
    if order_id:
        query = query.where(ProductionRecord.order_id == order_id)
    if start:
        query = query.where(ProductionRecord.period_start >= start)
    if end:
        query = query.where(ProductionRecord.period_start < end)
    rows = list(session.execute(query).scalars())
    if not work_unit_id:
        visible = _visible_units(session, principal)
        rows = [r for r in rows if r.work_unit_id in visible]
    return rows


def kpi_report(session: Session, *, principal: Principal, work_unit_id: str | None, order_id: str | None,
               start: datetime | None, end: datetime | None) -> dict:
    if not work_unit_id and not order_id and principal.role not in ("admin", "official"):
        raise Forbidden("partners ask per work unit or order", code="scope_required")
    rows = _records(session, principal=principal, work_unit_id=work_unit_id, order_id=order_id, start=start,
                    end=end)
    total = sum((_elements(r) for r in rows), domain.Elements())
    return {"work_unit_id": work_unit_id, "order_id": order_id, "start": start, "end": end, "records": len(rows),
            "kpis": domain.iso22400(total), "benchmarks": {"oee": domain.OEE_BENCHMARKS}}


def oee_trend(session: Session, *, principal: Principal, work_unit_id: str | None, days: int, now: datetime,
              tz: str) -> list[dict]:
    today = local_day(now, tz)
    first = today - timedelta(days=days - 1)
    start, _ = day_bounds(first, tz)
    _, end = day_bounds(today, tz)
    rows = _records(session, principal=principal, work_unit_id=work_unit_id, order_id=None, start=start, end=end)
    by_day: dict[date, list] = defaultdict(list)
    for r in rows:
        by_day[local_day(r.period_start, tz)].append(r)
    out = []
    for i in range(days):
        day = first + timedelta(days=i)
        total = sum((_elements(r) for r in by_day.get(day, [])), domain.Elements())
        kpis = domain.iso22400(total)
        out.append({"day": day, "records": len(by_day.get(day, [])),
                    **{k: domain.kpi_value(kpis, k) for k in ("availability", "effectiveness", "quality_ratio",
                                                              "oee")}})
    return out


def day_oee(session: Session, *, day: date, tz: str) -> float | None:
    start, end = day_bounds(day, tz)
    rows = session.execute(select(ProductionRecord).where(ProductionRecord.period_start >= start,
                                                          ProductionRecord.period_start < end)).scalars()
    return domain.kpi_value(domain.iso22400(sum((_elements(r) for r in rows), domain.Elements())), "oee")


def _day_sums(session: Session, *, sensor_ids: list[int], start: datetime) -> dict[int, float]:
    if not sensor_ids:
        return {}
    t = ReadingRollup.__table__
    rows = session.execute(select(t.c.sensor_id, t.c.total).where(
        t.c.sensor_id.in_(sensor_ids), t.c.period == "day", t.c.bucket_start == start)).all()
    return dict(rows)


def steel_report(session: Session, *, site_id: str, day: date, principal: Principal, tz: str) -> dict:
    assets.visible_site(session, site_id=site_id, principal=principal)
    start, _ = day_bounds(day, tz)
    sensors = list(session.execute(select(Sensor).where(Sensor.site_id == site_id, Sensor.aggregation == "sum"))
                   .scalars())
    sums = _day_sums(session, sensor_ids=[s.id for s in sensors], start=start)
    units = {u.id: u for u in session.execute(select(WorkUnit).where(WorkUnit.site_id == site_id)).scalars()}
    site_totals: dict[str, float] = defaultdict(float)
    unit_totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for s in sensors:
        site_totals[s.quantity] += sums.get(s.id, 0.0)
        unit_totals[s.work_unit_id][s.quantity] += sums.get(s.id, 0.0)
    furnaces = []
    for uid, unit in sorted(units.items()):
        if unit.kind != "blast_furnace":
            continue
        kpis = domain.steel_indicators(sums=unit_totals[uid], working_volume_m3=unit.working_volume_m3, days=1.0)
        furnaces.append({"work_unit_id": uid, "name": unit.name, "kpis": kpis[:2]})
    site_kpis = domain.steel_indicators(sums=site_totals, working_volume_m3=None, days=1.0)[2:]
    return {"site_id": site_id, "day": day, "work_units": furnaces, "site": site_kpis}


def fuel_rate(session: Session, *, day: date, tz: str) -> float | None:
    """All blast furnaces together, for the overview."""
    start, _ = day_bounds(day, tz)
    sensors = list(session.execute(select(Sensor).join(WorkUnit, WorkUnit.id == Sensor.work_unit_id).where(
        WorkUnit.kind == "blast_furnace", Sensor.quantity.in_(("hot_metal_mass", "coke_mass", "pci_mass")))).scalars())
    sums = _day_sums(session, sensor_ids=[s.id for s in sensors], start=start)
    totals: dict[str, float] = defaultdict(float)
    for s in sensors:
        totals[s.quantity] += sums.get(s.id, 0.0)
    return domain.kpi_value(domain.steel_indicators(sums=totals, working_volume_m3=None, days=1), "fuel_rate_kg_thm")
