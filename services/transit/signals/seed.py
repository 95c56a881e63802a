"""Demo data for transit signals: the generated Pohang network's crossings, a week of plausible walker
speeds, a year of cycles and extensions, and a first design-speed review. Loaded once (skips what exists).
Cycles: the last week at the demo's ~10 a day per crossing; the year before it thinned to 6 a day (a real crossing
makes ~600), enough for every day of a year-long chart while the whole year loads in well under a second."""

from datetime import timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from services.common.db import bulk_insert, utcnow
from services.transit.signals import network
from services.transit.signals.domain import CrossingSpec
from services.transit.signals.models import Crossing, Extension, SignalCycle, WalkerTrack
from services.transit.signals.service import review_design_speeds
from services.transit.signals.sumo.scenario import ADULTS, SENIORS, draw_speed

_CROSSINGS = network.crossings(network.pohang_demo_network())
# (name, device kind, place) of the demo devices transit signals needs; `aicity seed` creates their keys.
DEMO_DEVICES: list[tuple[str, str, str | None]] = [(f"detector-{c['id']}", "detector", c["id"]) for c in _CROSSINGS]
SENIOR_SHARE = {"senior": 0.6, "child": 0.15, "general": 0.25}  # demo assumption: who uses which crossing
HISTORY_DAYS = 365  # cycles and extensions
RECENT_DAYS = 7  # walker tracks, and cycles at the full demo rate
OLDER_CYCLES_PER_DAY = 6


def seed(engine: Engine, *, settings, credentials: dict) -> dict:
    now = utcnow()
    rng = np.random.default_rng(4)
    added = 0
    with Session(engine) as session:
        for c in _CROSSINGS:
            if session.get(Crossing, c["id"]) is not None:
                continue
            session.add(Crossing(id=c["id"], name=c["name"], intersection_id=c["intersection_id"], lat=c["lat"],
                                 lon=c["lon"], length_m=c["length_m"], lanes=c["lanes"], zone=c["zone"],
                                 created_at=now - timedelta(days=HISTORY_DAYS + 1)))
            session.flush()
            _history(session, c, rng=rng, now=now)
            added += 1
        if added:
            review_design_speeds(session, now=now)
        session.commit()
        total = len(session.execute(select(Crossing.id)).all())
    return {"crossings_added": added, "crossings": total}


def _history(session: Session, c: dict, *, rng, now) -> None:
    """A week of completed tracks (speeds only, no raw points kept) and the cycles they would have made."""
    spec = CrossingSpec(c["id"], length_m=c["length_m"], lanes=c["lanes"], zone=c["zone"])
    share = SENIOR_SHARE[c["zone"]]
    for k in range(int(rng.integers(35, 70))):
        speed = draw_speed(rng, SENIORS if rng.random() < share else ADULTS)
        seen = now - timedelta(hours=float(rng.uniform(1, 160)))
        session.add(WalkerTrack(crossing_id=c["id"], track_key=f"seed-{k}", first_seen_at=seen,
                                last_seen_at=seen + timedelta(seconds=spec.length_m / speed),
                                last_position_m=spec.length_m, speed_mps=speed, walking_speed_mps=round(speed, 3),
                                completed=True))
    recent_h = rng.uniform(0.2, RECENT_DAYS * 24, int(rng.integers(40, 90)))
    older_days = np.repeat(np.arange(RECENT_DAYS, HISTORY_DAYS), OLDER_CYCLES_PER_DAY)
    older_h = (older_days + rng.uniform(0, 1, older_days.size)) * 24
    cycles, extensions = [], []
    for n, hours_ago in enumerate(np.sort(np.concatenate([recent_h, older_h]))[::-1], start=1):
        ended = now - timedelta(hours=float(hours_ago))
        slow = rng.random() < share * 0.5
        clearance = spec.floor_s + (float(rng.uniform(1, 12)) if slow else -float(rng.uniform(0, spec.floor_s / 2)))
        clearance = max(4.0, min(clearance, spec.cap_s()))
        extended = max(0.0, clearance - spec.floor_s)
        cycles.append({"crossing_id": c["id"], "cycle_no": n, "ended_at": ended, "clearance_s": round(clearance, 2),
                       "floor_s": round(spec.floor_s, 2), "extended_s": round(extended, 2),
                       "ended_by": "cleared" if extended else "gap_out", "mode": "adaptive"})
        if extended:
            speed = round(float(rng.uniform(0.5, 0.75)), 2)
            extensions.append({"crossing_id": c["id"], "cycle_no": n, "at": ended - timedelta(seconds=clearance / 2),
                               "reason": "walker_on_crossing", "track_key": f"seed-x{n}", "speed_mps": speed,
                               "remaining_m": round(min(spec.length_m, speed * extended * 1.5), 1),
                               "extension_s": round(extended, 2), "capped": False})
    bulk_insert(session, SignalCycle.__table__, cycles)
    bulk_insert(session, Extension.__table__, extensions)
