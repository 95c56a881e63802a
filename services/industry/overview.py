"""`GET /v1/overview`: the day's headline figures (OEE, fuel rate, worst PM grade) and what needs attention."""

from datetime import timedelta

from fastapi import Request
from sqlalchemy import func, select

from services.common.db import SessionDep, utcnow
from services.common.overview import Attention, Figure, Overview
from services.common.routing import APIRouter
from services.industry.access import Official
from services.industry.air import service as air
from services.industry.air.domain import GRADES
from services.industry.alarms.models import Alarm
from services.industry.kpi import service as kpi
from services.industry.telemetry.models import SparkplugEvent, SparkplugNode
from services.industry.timeutil import day_bounds, local_day

router = APIRouter(prefix="/v1", tags=["overview"])


def _pct(x):
    return round(x * 100, 1) if x is not None else None


def build_overview(session, *, now, tz: str) -> Overview:
    today = local_day(now, tz)
    yesterday = today - timedelta(days=1)
    monitors = air.monitors_with_latest(session)
    graded = [m for m in monitors if m.get("grade")]
    worst = max(graded, key=lambda m: GRADES.index(m["grade"]), default=None)
    pm25 = [m["pm25"] for m in monitors if m.get("pm25") is not None]
    fuel_today, fuel_before = kpi.fuel_rate(session, day=today, tz=tz), kpi.fuel_rate(session, day=yesterday, tz=tz)
    figures = [
        Figure(key="oee_today", higher_is_better=True, unit="%",
               value=_pct(kpi.day_oee(session, day=today, tz=tz)),
               previous=_pct(kpi.day_oee(session, day=yesterday, tz=tz))),
        Figure(key="fuel_rate_kg_thm", higher_is_better=False, unit="kg/tHM",
               value=round(fuel_today, 1) if fuel_today is not None else None,
               previous=round(fuel_before, 1) if fuel_before is not None else None),
        Figure(key="pm_grade_worst", higher_is_better=False, unit="grade",
               value=GRADES.index(worst["grade"]) + 1 if worst else None),
        Figure(key="pm25_max_now", higher_is_better=False, unit="ug/m3",
               value=max(pm25) if pm25 else None),
    ]
    open_by_severity = dict(session.execute(
        select(Alarm.severity, func.count()).where(Alarm.open_slot == "open").group_by(Alarm.severity)).all())
    alerts = air.alert_counts(session)
    start, _ = day_bounds(today, tz)
    gaps = session.execute(select(func.count()).select_from(SparkplugEvent).where(
        SparkplugEvent.kind == "seq_gap", SparkplugEvent.at >= start)).scalar_one()
    offline = session.execute(select(func.count()).select_from(SparkplugNode).where(
        SparkplugNode.online.is_(False), SparkplugNode.deaths > 0)).scalar_one()
    attention = [
        Attention(key="alarms_critical", count=open_by_severity.get("critical", 0), severity="critical"),
        Attention(key="alarms_warning", count=open_by_severity.get("warning", 0), severity="warning"),
        Attention(key="alarms_info", count=open_by_severity.get("info", 0), severity="info"),
        Attention(key="air_warning", count=alerts["warning"], severity="critical"),
        Attention(key="air_watch", count=alerts["watch"], severity="warning"),
        Attention(key="nodes_offline", count=offline, severity="warning"),
        Attention(key="sequence_gaps_today", count=gaps, severity="info"),
    ]
    return Overview(service="industry", as_of=now, figures=figures, attention=attention)


@router.get("/overview", response_model=Overview)
def overview(request: Request, session: SessionDep, _: Official):
    return build_overview(session, now=utcnow(), tz=request.app.state.settings.timezone)
