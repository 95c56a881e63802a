"""Demo data for transit signals: the generated Pohang network's crossings, a week of plausible walker
speeds, cycles and extensions, and a first design-speed review. Loaded once (skips what exists)."""

from datetime import timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from services.common.db import utcnow
from services.transit.signals import network
from services.transit.signals.domain import CrossingSpec
from services.transit.signals.models import Crossing, Extension, SignalCycle, WalkerTrack
from services.transit.signals.service import review_design_speeds
from services.transit.signals.sumo.scenario import ADULTS, SENIORS, draw_speed

_CROSSINGS = network.crossings(network.pohang_demo_network())
# (name, device kind, place) of the demo devices transit signals needs; `aicity seed` creates their keys.
DEMO_DEVICES: list[tuple[str, str, str | None]] = [(f"detector-{c['id']}", "detector", c["id"]) for c in _CROSSINGS]
SENIOR_SHARE = {"senior": 0.6, "child": 0.15, "general": 0.25}  # demo assumption: who uses which crossing


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
                                 created_at=now - timedelta(days=30)))
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
    for n in range(1, int(rng.integers(40, 90))):
        ended = now - timedelta(hours=float(rng.uniform(0.2, 160)))
        slow = rng.random() < share * 0.5
        clearance = spec.floor_s + (float(rng.uniform(1, 12)) if slow else -float(rng.uniform(0, spec.floor_s / 2)))
        clearance = max(4.0, min(clearance, spec.cap_s()))
        extended = max(0.0, clearance - spec.floor_s)
        session.add(SignalCycle(crossing_id=c["id"], cycle_no=n, ended_at=ended, clearance_s=round(clearance, 2),
                                floor_s=round(spec.floor_s, 2), extended_s=round(extended, 2),
                                ended_by="cleared" if extended else "gap_out", mode="adaptive"))
        if extended:
            speed = round(float(rng.uniform(0.5, 0.75)), 2)
            session.add(Extension(crossing_id=c["id"], cycle_no=n, at=ended - timedelta(seconds=clearance / 2),
                                  reason="walker_on_crossing", track_key=f"seed-x{n}", speed_mps=speed,
                                  remaining_m=round(min(spec.length_m, speed * extended * 1.5), 1),
                                  extension_s=round(extended, 2)))
