"""Demo data for transit boarding: riders (six with faces from the test photos), cards, and a year of boardings.

The year is written as the boarding rows the service would have recorded (decisions as the face check gives them
for these riders: the holder's face mostly, someone else's rarely), in bulk, without running the face model on
each: a year of decisions through `service.board` with frames would take hours. Older flagged boardings have been
reviewed; the last two days' wait for review, as in a working week."""

import bisect
import io
import itertools
import random
import uuid
from datetime import UTC, datetime, timedelta

from PIL import Image
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from services.common.citytime import CITY_ZONE
from services.common.db import bulk_insert, utcnow
from services.common.settings import REPO_ROOT
from services.transit.boarding import domain, service
from services.transit.boarding.gallery import GalleryIndex
from services.transit.boarding.models import Boarding, Rider
from services.transit.boarding.routes import ROUTES

# (name, device kind, place) of the demo devices transit boarding needs; `aicity seed` creates their keys.
DEMO_DEVICES: list[tuple[str, str, str | None]] = [
    ("bus-101", "bus", "bus-101"),
    ("bus-102", "bus", "bus-102"),
    ("bus-200", "bus", "bus-200"),
    ("enrol-kiosk-1", "enrolment_kiosk", "kiosk-1"),
]
# Demo buses and the route each runs (routes and stops: boarding/routes.py).
BUS_ROUTE = {"bus-101": "101", "bus-102": "101", "bus-200": "200"}
FACES = REPO_ROOT / "tests" / "fixtures" / "faces"
# (reference, concession, mobility needs, regular routes, enrolment photo or None). Photos are under FACES; each
# enrolled rider has other photos of the same person for the simulator's door camera (DOOR_PHOTOS).
DEMO_RIDERS = [
    ("demo-rider-01", "senior", True, ["101"], "people/obama/1.jpg"),
    ("demo-rider-02", "student", False, ["101"], "people/kit_harington/1.jpg"),
    ("demo-rider-03", "senior", False, ["200"], "calibration/lfw-east-asian/Roh_Moo-hyun/1.jpg"),
    ("demo-rider-04", "senior", False, [], "calibration/lfw-east-asian/Yoko_Ono/1.jpg"),
    ("demo-rider-05", "senior", True, [], "calibration/lfw-east-asian/Junichiro_Koizumi/1.jpg"),
    ("demo-rider-06", "disability", True, ["200"], "calibration/lfw/Scott_McClellan/1.jpg"),
    ("demo-rider-07", "student", False, [], None),
    ("demo-rider-08", "none", False, ["101"], None),
]
# Other photos of each enrolled rider, all within the verify threshold of the enrolment photo with the shipped
# dlib model (0.20-0.35; rider 02's second photo is 0.39, a weak match: the simulator uses it card-less only).
DOOR_PHOTOS = {
    "demo-rider-01": ["people/obama/2.jpg", "people/obama/4.jpg"],
    "demo-rider-03": ["calibration/lfw-east-asian/Roh_Moo-hyun/2.jpg", "calibration/lfw-east-asian/Roh_Moo-hyun/3.jpg"],
    "demo-rider-04": ["calibration/lfw-east-asian/Yoko_Ono/2.jpg", "calibration/lfw-east-asian/Yoko_Ono/3.jpg"],
    "demo-rider-05": ["calibration/lfw-east-asian/Junichiro_Koizumi/3.jpg"],
    "demo-rider-06": ["calibration/lfw/Scott_McClellan/2.jpg", "calibration/lfw/Scott_McClellan/3.jpg"],
}
# Someone else holding an enrolled rider's card: far (> 0.7) from every enrolled rider.
OTHER_PEOPLE = ["people/biden/2.jpg", "calibration/lfw/Sarah_Hughes/1.jpg"]
HISTORY_DAYS = 365
# Share of an hour's boardings by local hour (buses run 05-23 h), a weekday's total, and a weekend day's. Far fewer
# than a real route carries: ~44,000 rows a year keep the first `aicity up` fast (~4 s of inserts on a busy 2-core
# machine; 160,000 took ~40 s). With ~5 mismatches a day, suppression (fewer than 5 hidden) hides the mismatch count,
# and so the verified share, on some days; the running simulator (~1,800 boardings an hour) fills today's.
HOURLY = [0, 0, 0, 0, 0, 1, 4, 9, 10, 6, 5, 5, 6, 5, 5, 6, 7, 9, 8, 5, 4, 3, 2, 1]
WEEKDAY_BOARDINGS, WEEKEND_BOARDINGS = 130, 95
# At the door of an enrolled rider's card: the holder's face verified, the face turned away (no usable face), a weak
# match, and someone else (a mismatch, flagged); an unenrolled rider's card: the card alone, the driver confirms.
FACE_OUTCOMES = [("verified", 0.89), ("no_face", 0.03), ("unknown", 0.03), ("mismatch", 0.05)]
DRIVER_CONFIRMS = 0.9


def card_id(reference: str) -> str:
    return "DEMO-" + reference.rsplit("-", 1)[-1].zfill(6)


def seed(engine: Engine, *, settings, credentials: dict, now: datetime | None = None,
         days: int = HISTORY_DAYS) -> dict:
    now = now or utcnow()
    with Session(engine, expire_on_commit=False) as session:
        if session.scalars(select(Rider.id).where(Rider.reference == DEMO_RIDERS[0][0])).first():
            return {"seeded": False}
        index = GalleryIndex()  # running workers load the templates from the database
        riders, enrolled = {}, set()
        for reference, concession, mobility, routes, photo in DEMO_RIDERS:
            rider = service.create_rider(session, reference=reference, mobility_needs=mobility,
                                         regular_routes=routes, now=now - timedelta(days=days + 30))
            riders[reference] = rider.id
            service.create_card(session, card_id=card_id(reference), rider_id=rider.id, concession=concession,
                                now=now - timedelta(days=days + 30))
            if photo and (FACES / photo).is_file():
                service.enrol_face(session, rider_id=rider.id, photos=[enrolment_photo(photo)],
                                   consent_version="face-2025-07", channel="seed", settings=settings,
                                   index=index, now=now, identification=bool(routes))
                enrolled.add(reference)
        rows = history(riders, enrolled, now=now, days=days, rng=random.Random(11))
        session.flush()
        bulk_insert(session, Boarding.__table__, rows)
        session.commit()
    return {"seeded": True, "riders": len(riders), "cards": len(riders), "boardings": len(rows),
            "faces": len(enrolled), "days": days}


def enrolment_photo(photo: str) -> bytes:
    """The photo as the enrolment kiosk's camera, closer than the door's, takes it: the LFW photos (250 px, faces
    of ~60 px) doubled in size, as the kiosk asks for a face of at least 64 px."""
    data = (FACES / photo).read_bytes()
    if not photo.startswith("calibration/"):
        return data
    image = Image.open(io.BytesIO(data)).convert("RGB")
    out = io.BytesIO()
    image.resize((image.width * 2, image.height * 2), Image.LANCZOS).save(out, "JPEG", quality=92)
    return out.getvalue()


def history(riders: dict, enrolled: set, *, now: datetime, days: int, rng: random.Random) -> list[dict]:
    """Boarding rows of the last `days` local days up to `now`, as `service.board` records them. Only the last
    two days' rows keep their idempotent answer (a bus may still retry them, a driver still confirm): older ones
    are never replayed, and their answers would double the database."""
    rows = []
    references = [r for r in DEMO_RIDERS if r[0] != "demo-rider-02"]  # rider 02 rides card-less (simulator)
    outcomes, weights = zip(*FACE_OUTCOMES, strict=True)
    cumulative = list(itertools.accumulate(weights))
    buses = sorted(BUS_ROUTE)
    stops = {route: ROUTES[route] for route in set(BUS_ROUTE.values())}
    granted_of = {}
    for decision in (*outcomes, "unknown"):
        for concession in {r[1] for r in DEMO_RIDERS}:
            for confirmed in (False, True):
                granted_of[decision, concession, confirmed] = domain.concession_outcome(
                    decision, concession, driver_confirmed=confirmed)
    today = now.astimezone(CITY_ZONE).date()
    keep_answers = now - timedelta(days=2)
    for back in range(days, -1, -1):
        day = today - timedelta(days=back)
        total = WEEKEND_BOARDINGS if day.weekday() >= 5 else WEEKDAY_BOARDINGS
        total = round(total * rng.uniform(0.9, 1.1))
        midnight = datetime(day.year, day.month, day.day, tzinfo=CITY_ZONE).astimezone(UTC)
        fares = {c: domain.fare_for(c, midnight) for c in {r[1] for r in DEMO_RIDERS} | {"none"}}
        for hour, count in zip(range(24), _split(total, rng), strict=True):
            for _ in range(count):
                at = midnight + timedelta(seconds=hour * 3600 + rng.randrange(3600))
                if at >= now:
                    continue
                reference, concession, mobility, _routes, _photo = rng.choice(references)
                bus = rng.choice(buses)
                route = BUS_ROUTE[bus]
                distance, reason, flagged = None, None, False
                if reference in enrolled:
                    decision = outcomes[bisect.bisect(cumulative, rng.random() * cumulative[-1])]
                    if decision == "verified":
                        distance = round(rng.uniform(0.2, 0.36), 4)
                    elif decision == "mismatch":
                        distance, reason, flagged = round(rng.uniform(0.66, 0.9), 4), "face_differs_from_card_holder", True
                    elif decision == "unknown":
                        distance, reason = round(rng.uniform(0.38, 0.6), 4), "weak_match"
                    else:
                        reason = "no_face_in_frames"
                else:
                    decision, reason = "unknown", "not_enrolled"
                granted = granted_of[decision, concession, False]
                confirmed = granted.driver_may_confirm and rng.random() < DRIVER_CONFIRMS
                if confirmed:
                    granted = granted_of[decision, concession, True]
                fare = fares[concession if granted.applied else "none"]
                event_id = uuid.UUID(int=rng.getrandbits(128), version=4)
                reviewed = flagged and at < keep_answers
                row = {
                    "event_id": event_id, "device_id": "seed", "bus_id": bus, "route_id": route,
                    "stop_id": rng.choice(stops[route]), "occurred_at": at, "received_at": at,
                    "card_id": card_id(reference), "rider_id": riders[reference], "decision": decision,
                    "reason": reason, "concession": concession, "fare_krw": fare.fare_krw,
                    "concession_applied": granted.applied, "concession_reason": granted.reason,
                    "driver_confirmed_at": at + timedelta(seconds=4) if confirmed else None,
                    "driver_confirmed_by": "seed" if confirmed else None, "needs_assistance": mobility,
                    "distance": distance, "margin": None, "frames": int(reference in enrolled),
                    "faces": int(reference in enrolled and decision != "no_face"), "presentation_attack": False,
                    "flagged": flagged, "fingerprint": event_id.hex * 2,
                    "reviewed_at": at + timedelta(hours=rng.randint(4, 40)) if reviewed else None,
                    "review_outcome": ("confirmed_misuse" if rng.random() < 0.3 else "cleared") if reviewed else None,
                    "answer": {},
                }
                if at >= keep_answers:
                    row["answer"] = {
                        "event_id": str(event_id), "decision": decision, "rider_id": str(riders[reference]),
                        "card_id": card_id(reference), "concession": concession,
                        "concession_applied": granted.applied, "concession_reason": granted.reason,
                        "driver_confirmation_allowed": granted.driver_may_confirm, "fare_krw": fare.fare_krw,
                        "fare_source": fare.source, "needs_assistance": mobility, "distance": distance,
                        "margin": None, "flagged": flagged, "reason": reason, "presentation_attack_suspected": False,
                    }
                rows.append(row)
    return rows


def _split(total: int, rng: random.Random) -> list[int]:
    weight = sum(HOURLY)
    return [round(total * w / weight * rng.uniform(0.8, 1.2)) for w in HOURLY]
