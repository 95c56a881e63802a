"""The signals part of the transit overview: the day's crossing figures and what needs attention."""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from services.common.overview import Attention, Figure
from services.transit.signals.models import Crossing, Extension, SignalCycle
from services.transit.signals.service import detector_state, latest_reviews


def _window(session: Session, start: datetime, end: datetime) -> tuple[int, int, float | None, int]:
    cycles = session.execute(select(SignalCycle.extended_s).where(
        SignalCycle.ended_at >= start, SignalCycle.ended_at < end)).scalars().all()
    ext = session.execute(select(Extension.extension_s, Extension.capped).where(
        Extension.at >= start, Extension.at < end)).all()
    extended = sum(1 for e in cycles if e > 0)
    mean_ext = round(sum(e.extension_s for e in ext) / len(ext), 1) if ext else None
    return len(cycles), extended, mean_ext, sum(1 for e in ext if e.capped)


def overview_part(session: Session, *, now: datetime) -> tuple[list[Figure], list[Attention]]:
    day = timedelta(days=1)
    n, extended, mean_ext, capped = _window(session, now - day, now)
    n0, extended0, mean_ext0, _ = _window(session, now - 2 * day, now - day)
    share = round(100 * extended / n, 1) if n else None
    share0 = round(100 * extended0 / n0, 1) if n0 else None
    figures = [
        Figure(key="signals_cycles", higher_is_better=None, value=n, previous=n0),
        Figure(key="signals_extended_share", higher_is_better=None, value=share, unit="%", previous=share0),
        Figure(key="signals_mean_extension_s", higher_is_better=None, value=mean_ext, unit="s", previous=mean_ext0),
    ]
    crossings = session.execute(select(Crossing)).scalars().all()
    reviews = latest_reviews(session)
    too_fast = sum(1 for r in reviews.values() if r.too_fast)
    unhealthy = sum(1 for c in crossings if detector_state(c, now) in ("silent", "fault"))
    attention = []
    if too_fast:
        attention.append(Attention(key="signals_design_speed_too_fast",
                                   count=too_fast))
    if unhealthy:
        attention.append(Attention(key="signals_detector_down", count=unhealthy, severity="critical"))
    if capped:
        attention.append(Attention(key="signals_extension_capped", count=capped))
    return figures, attention
