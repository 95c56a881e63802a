"""The industry overview: the day's OEE, fuel rate and air quality beside yesterday's, and what needs attention.
Each figure is counted by the sub-domain that owns its table; this module puts them side by side with their
direction (higher_is_better) and unit."""

from datetime import datetime, timedelta

from sqlmodel import Session

from services.common.overview import Attention, Figure, Overview
from services.industry.air import service as air
from services.industry.air.domain import GRADES
from services.industry.alarms import service as alarms
from services.industry.kpi import service as kpi
from services.industry.telemetry import service as telemetry
from services.industry.timeutil import day_bounds, local_day


def _pct(x):
    return round(x * 100, 1) if x is not None else None


def _round1(x):
    return round(x, 1) if x is not None else None


def overview(session: Session, *, now: datetime, tz: str) -> Overview:
    today = local_day(now, tz)
    yesterday = today - timedelta(days=1)
    monitors = air.monitors_with_latest(session)
    graded = [m for m in monitors if m.get("grade")]
    worst = max(graded, key=lambda m: GRADES.index(m["grade"]), default=None)
    pm25 = [m["pm25"] for m in monitors if m.get("pm25") is not None]
    figures = [
        Figure(key="oee_today", higher_is_better=True, unit="%",
               value=_pct(kpi.day_oee(session, day=today, tz=tz)),
               previous=_pct(kpi.day_oee(session, day=yesterday, tz=tz))),
        Figure(key="fuel_rate_kg_thm", higher_is_better=False, unit="kg/tHM",
               value=_round1(kpi.fuel_rate(session, day=today, tz=tz)),
               previous=_round1(kpi.fuel_rate(session, day=yesterday, tz=tz))),
        Figure(key="pm_grade_worst", higher_is_better=False, unit="grade",
               value=GRADES.index(worst["grade"]) + 1 if worst else None),
        Figure(key="pm25_max_now", higher_is_better=False, unit="ug/m3",
               value=max(pm25) if pm25 else None),
    ]
    open_by_severity = alarms.count_open_by_severity(session)
    alerts = air.alert_counts(session)
    start, _ = day_bounds(today, tz)
    attention = [
        Attention(key="alarms_critical", count=open_by_severity.get("critical", 0), severity="critical"),
        Attention(key="alarms_warning", count=open_by_severity.get("warning", 0), severity="warning"),
        Attention(key="alarms_info", count=open_by_severity.get("info", 0), severity="info"),
        Attention(key="air_warning", count=alerts["warning"], severity="critical"),
        Attention(key="air_watch", count=alerts["watch"], severity="warning"),
        Attention(key="nodes_offline", count=telemetry.count_nodes_offline(session), severity="warning"),
        Attention(key="sequence_gaps_today", count=telemetry.count_sequence_gaps(session, since=start),
                  severity="info"),
    ]
    return Overview(service="industry", as_of=now, figures=figures, attention=attention)
