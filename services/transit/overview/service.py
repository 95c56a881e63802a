"""The transit overview's figures: boarding's, and signals' when that part is installed."""

import importlib
from datetime import datetime, timedelta

from sqlmodel import Session

from services.common.citytime import CITY_ZONE
from services.common.overview import Attention, Figure, Overview
from services.transit.boarding import service as boarding


def boarding_part(session: Session, *, now: datetime) -> tuple[list[Figure], list[Attention]]:
    today = now.astimezone(CITY_ZONE).date()
    cur = boarding.day_figures(session, day=today)
    prev = boarding.day_figures(session, day=today - timedelta(days=1), until=now - timedelta(days=1))
    figures = [
        Figure(key="boardings", higher_is_better=True, value=cur["boardings"],
               previous=prev["boardings"], suppressed=cur["boardings"] is None),
        Figure(key="face_verified_share", higher_is_better=True,
               value=cur["verified_share"], unit="share", previous=prev["verified_share"]),
        Figure(key="mismatches", higher_is_better=False, value=cur["mismatch"],
               previous=prev["mismatch"], suppressed=cur["mismatch"] is None),
        Figure(key="free_rides", higher_is_better=None, value=cur["free_rides"],
               previous=prev["free_rides"], suppressed=cur["free_rides"] is None),
    ]
    attention = []
    waiting = boarding.awaiting_review(session)
    if waiting:
        attention.append(Attention(key="boardings_to_review", count=waiting))
    if cur["attacks"]:
        attention.append(Attention(key="presentation_attacks", count=cur["attacks"], severity="critical"))
    return figures, attention


def _signals_part():
    try:
        module = importlib.import_module("services.transit.signals.overview")
    except ModuleNotFoundError:
        return None
    return getattr(module, "overview_part", None)


def overview(session: Session, *, now: datetime) -> Overview:
    figures, attention = boarding_part(session, now=now)
    part = _signals_part()
    if part is not None:
        more_figures, more_attention = part(session, now=now)
        figures, attention = [*figures, *more_figures], [*attention, *more_attention]
    return Overview(service="transit", as_of=now, figures=figures, attention=attention)
