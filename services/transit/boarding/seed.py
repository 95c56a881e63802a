"""Demo data for transit boarding: riders (three with faces from the test photos), cards, a day of taps."""

import random
import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from services.common.db import utcnow
from services.common.settings import REPO_ROOT
from services.transit.boarding import service
from services.transit.boarding.gallery import GalleryIndex
from services.transit.boarding.models import Rider
from services.transit.boarding.routes import ROUTES
from services.transit.boarding.schemas import BoardingEvent

# (name, device kind, place) of the demo devices transit boarding needs; `aicity seed` creates their keys.
DEMO_DEVICES: list[tuple[str, str, str | None]] = [
    ("bus-101", "bus", "bus-101"),
    ("bus-102", "bus", "bus-102"),
    ("bus-200", "bus", "bus-200"),
    ("enrol-kiosk-1", "enrolment_kiosk", "kiosk-1"),
]
# Demo buses and the route each runs (routes and stops: boarding/routes.py).
BUS_ROUTE = {"bus-101": "101", "bus-102": "101", "bus-200": "200"}
FACES = REPO_ROOT / "tests" / "fixtures" / "faces" / "people"
# (reference, concession, mobility needs, regular routes, enrolment photo or None)
DEMO_RIDERS = [
    ("demo-rider-01", "senior", True, ["101"], "obama/1.jpg"),
    ("demo-rider-02", "student", False, ["101"], "kit_harington/1.jpg"),
    ("demo-rider-03", "senior", False, ["200"], "rose_leslie/1.jpg"),
    ("demo-rider-04", "senior", False, [], None),
    ("demo-rider-05", "senior", True, [], None),
    ("demo-rider-06", "disability", True, ["200"], None),
    ("demo-rider-07", "student", False, [], None),
    ("demo-rider-08", "none", False, ["101"], None),
]


def card_id(reference: str) -> str:
    return "DEMO-" + reference.rsplit("-", 1)[-1].zfill(6)


def seed(engine: Engine, *, settings, credentials: dict) -> dict:
    now = utcnow()
    with Session(engine, expire_on_commit=False) as session:
        if session.scalars(select(Rider.id).where(Rider.reference == DEMO_RIDERS[0][0])).first():
            return {"seeded": False}
        index = GalleryIndex()  # running workers load the templates from the database
        riders = {}
        for reference, concession, mobility, routes, photo in DEMO_RIDERS:
            rider = service.create_rider(session, reference=reference, mobility_needs=mobility,
                                         regular_routes=routes, now=now)
            riders[reference] = rider.id
            service.create_card(session, card_id=card_id(reference), rider_id=rider.id, concession=concession,
                                now=now)
            if photo and (FACES / photo).is_file():
                service.enrol_face(session, rider_id=rider.id, photos=[(FACES / photo).read_bytes()],
                                   consent_version="face-2025-07", channel="seed", settings=settings,
                                   index=index, now=now, identification=bool(routes))
        # Yesterday and this morning: card taps without faces, so the dashboard has a trend.
        rng = random.Random(11)
        taps = 0
        for hours_ago in range(36, 0, -1):
            for _ in range(rng.randint(3, 12)):
                bus = rng.choice(list(BUS_ROUTE))
                reference = rng.choice(DEMO_RIDERS)[0]
                ev = BoardingEvent(event_id=uuid.uuid4(), bus_id=bus, route_id=BUS_ROUTE[bus],
                                   stop_id=rng.choice(ROUTES[BUS_ROUTE[bus]]),
                                   occurred_at=now - timedelta(hours=hours_ago, minutes=rng.randint(0, 59)),
                                   card_id=card_id(reference))
                service.board(session, ev=ev, frames=[], device_id="seed", settings=settings, index=index, now=now)
                taps += 1
        session.commit()
    return {"seeded": True, "riders": len(riders), "cards": len(riders), "boardings": taps,
            "faces": sum(1 for r in DEMO_RIDERS if r[4])}
