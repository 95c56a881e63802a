"""The demo seed loads once with a year of boardings, and the simulator drives boarding through the real HTTP API
with riders whose faces match their cards most of the time."""

import random
from collections import Counter
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from services.common.citytime import CITY_ZONE
from services.common.db import utcnow
from services.transit.boarding import seed as boarding_seed
from services.transit.boarding.models import Boarding, FaceTemplate
from services.transit.boarding.simulator import Simulator


def _simulator(client, auth) -> Simulator:
    devices = {}
    for name, kind, place in boarding_seed.DEMO_DEVICES:
        device_id, key = auth.device(kind, place, name=f"{name}-test")
        devices[name] = {"id": device_id, "key": key, "kind": kind, "place": place}
    sim = Simulator(base_url="http://testserver", credentials={"devices": devices}, rng=random.Random(1), rate=1.0)
    sim.client = client  # the TestClient speaks the same httpx API, without a socket
    return sim


# Buses run 05-23 h local time: at 14:00 KST the newest seeded boarding is minutes old, at 01:50 KST it is from the
# evening before (the last hours carry one or two boardings a day, so it may be 21:xx). CI at 01:49 KST once failed
# a wall-clock version of this test.
SEEDED_AT = [(time(14, 0), timedelta(hours=1)), (time(1, 50), timedelta(hours=4, minutes=50))]


@pytest.mark.parametrize(("local", "newest_within"), SEEDED_AT, ids=["14:00 KST", "01:50 KST"])
def test_seed_is_idempotent_and_the_simulator_boards_through_the_api(client_for, auth, service_db, local,
                                                                     newest_within):
    client = client_for("transit")
    db = service_db("transit")
    settings = client.app.state.settings
    today = utcnow().astimezone(CITY_ZONE).date()
    now = datetime.combine(today, local, tzinfo=CITY_ZONE).astimezone(UTC)
    first = boarding_seed.seed(db.engine, settings=settings, credentials={}, now=now)
    enrolled = sum(1 for r in boarding_seed.DEMO_RIDERS if r[4])
    assert first["seeded"] and first["faces"] == enrolled == 6 and first["days"] == 365
    assert boarding_seed.seed(db.engine, settings=settings, credentials={}) == {"seeded": False}
    with Session(db.engine) as s:
        assert s.execute(select(func.count()).select_from(FaceTemplate)).scalar() == enrolled
        before = s.execute(select(func.count()).select_from(Boarding)).scalar()
        assert before == first["boardings"]
        oldest, newest = s.execute(select(func.min(Boarding.occurred_at), func.max(Boarding.occurred_at))).one()
        assert oldest <= now - timedelta(days=364) and now - newest_within < newest <= now
        assert newest.astimezone(CITY_ZONE).hour >= 5  # none at night
        # the holder's face mostly, someone else's rarely
        decisions = Counter(dict(s.execute(select(Boarding.decision, func.count()).group_by(Boarding.decision)).all()))
        share = decisions["verified"] / (decisions["verified"] + decisions["mismatch"])
        assert 0.9 < share < 0.99, decisions
        # flagged boardings older than two days have been reviewed; the recent ones wait, a working week's few
        stale = s.execute(select(func.count()).where(Boarding.flagged.is_(True), Boarding.reviewed_at.is_(None),
                                                     Boarding.occurred_at < now - timedelta(days=2))).scalar()
        waiting = s.execute(select(func.count()).where(Boarding.flagged.is_(True),
                                                       Boarding.reviewed_at.is_(None))).scalar()
        assert stale == 0 and 0 < waiting < 40
    client.app.state.gallery_follower.catch_up()
    sim = _simulator(client, auth)
    answers = [sim.board() for _ in range(6)]
    assert {a["decision"] for a in answers} <= {"verified", "mismatch", "identified", "unknown", "no_face"}
    with Session(db.engine) as s:
        assert s.execute(select(func.count()).select_from(Boarding)).scalar() == before + 6


def test_the_simulated_riders_faces_match_their_cards_and_someone_else_is_a_mismatch(client_for, auth, service_db):
    """Every photo the simulator shows at the door for a card's holder verifies with the shipped face model; every
    other person it shows on an enrolled card is a mismatch (so the demo's verified share is the simulator's mix)."""
    client = client_for("transit")
    db = service_db("transit")
    boarding_seed.seed(db.engine, settings=client.app.state.settings, credentials={}, days=1)
    client.app.state.gallery_follower.catch_up()
    sim = _simulator(client, auth)
    seen = Counter()
    for reference, photos in boarding_seed.DOOR_PHOTOS.items():
        for photo in photos:
            sim.scene = lambda route, r=reference, p=photo: (r, [p])
            seen[reference, "holder", sim.board()["decision"]] += 1
    for reference in ("demo-rider-01", "demo-rider-06"):
        for photo in boarding_seed.OTHER_PEOPLE:
            sim.scene = lambda route, r=reference, p=photo: (r, [p])
            seen[reference, "other", sim.board()["decision"]] += 1
    assert {k[2] for k in seen if k[1] == "holder"} == {"verified"}, seen
    assert {k[2] for k in seen if k[1] == "other"} == {"mismatch"}, seen
    # the mix the simulator draws: mostly the holder
    sim = _simulator(client, auth)
    scenes = [sim.scene("200") for _ in range(2000)]
    on_enrolled = [(ref, frames) for ref, frames in scenes if ref in boarding_seed.DOOR_PHOTOS]
    others = sum(1 for _, frames in on_enrolled if frames[0] in boarding_seed.OTHER_PEOPLE)
    assert 0.01 < others / len(on_enrolled) < 0.08
