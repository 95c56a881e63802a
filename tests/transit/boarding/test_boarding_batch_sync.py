"""A bus's offline queue item by item (README "Sync protocol"): a bad event answers by its index with a stable code,
route and stop ids are checked against the network, device times against the windows; the rest are decided."""

import json
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from services.transit.boarding.models import Boarding
from tests.transit.boarding.conftest import shrunk

AT = {"route_id": "101", "stop_id": "Jukdo Market"}


def send(api, events, frames=()):
    files = [("frames", (f"{i}.jpg", f, "image/jpeg")) for i, f in enumerate(frames)]
    return api.client.post("/v1/boardings/batch", headers=api.bus, data={"events": json.dumps(events)},
                           files=files or None)


def stored(service_db) -> set[str]:
    with Session(service_db("transit").engine) as s:
        return {str(e) for e in s.scalars(select(Boarding.event_id)).all()}


def test_each_bad_event_is_refused_by_its_index_and_the_others_are_decided(api, service_db):
    rider = api.rider(routes=["101"])
    api.enrol(rider, "people/obama/1.jpg")
    card = api.card(rider, "senior")
    now = datetime.now(UTC)
    recent = now - timedelta(hours=2)

    def ev(**over):
        return {**api.event(card_id=card, occurred_at=recent, **AT), "frame_count": 0, **over}

    good = ev()
    dup = ev(event_id=good["event_id"], occurred_at=(recent + timedelta(minutes=1)).isoformat())
    events = [
        good,
        ev(occurred_at="2026-11-30T08:00:00"),  # naive
        ev(route_id="R999"),  # no such route
        ev(stop_id="POSTECH", route_id="200"),  # a stop of route 101, not of 200
        ev(occurred_at=(now + timedelta(hours=1)).isoformat()),  # ahead of the server's clock
        ev(occurred_at=datetime(1970, 1, 1, tzinfo=UTC).isoformat()),  # a reset clock
        dup,
        {**{k: v for k, v in ev().items() if k != "stop_id"}, "frame_count": 1},  # malformed, with a frame
        ev(frame_count=1),  # its frame comes after the malformed event's: dealt out by frame_count
        ev(bus_id="bus-999"),
    ]
    frames = [shrunk("people/kit_harington/1.jpg"), shrunk("people/obama/2.jpg")]
    r = send(api, events, frames)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [(i["index"], i["status"], i.get("error")) for i in items] == [
        (0, 200, None), (1, 422, "naive_datetime"), (2, 422, "unknown_route"), (3, 422, "unknown_stop"),
        (4, 422, "occurred_at_in_future"), (5, 422, "occurred_at_too_old"), (6, 422, "duplicate_event_id"),
        (7, 422, "validation_error"), (8, 200, None), (9, 403, "wrong_place")]
    assert "stop_id" in items[7]["detail"] and items[7]["event_id"] == events[7]["event_id"]
    assert items[8]["answer"]["decision"] == "verified"  # obama's frame reached obama's card
    assert stored(service_db) == {good["event_id"], events[8]["event_id"]}
    # the same queue again: the good ones answer as before, nothing new is stored
    again = send(api, events, frames).json()["items"]
    assert again == items
    with Session(service_db("transit").engine) as s:
        assert s.scalar(select(func.count()).select_from(Boarding)) == 2


def test_frames_that_cannot_be_dealt_out_refuse_the_batch(api, service_db):
    event = {**api.event(card_id="T-1", occurred_at=datetime.now(UTC), **AT), "frame_count": "two"}
    r = send(api, [event], [shrunk("people/obama/2.jpg")])
    assert r.status_code == 422 and r.json()["error"] == "frame_count_mismatch"
    r = send(api, [{**event, "frame_count": 0}], [shrunk("people/obama/2.jpg")])
    assert r.status_code == 422 and r.json()["error"] == "frame_count_mismatch"
    assert stored(service_db) == set()


def test_the_windows_are_settings(client_for, auth, service_db):
    from tests.transit.boarding.conftest import BoardingApi

    api = BoardingApi(client_for("transit", boarding_past_window_days=400, boarding_future_window_s=30), auth)
    old = {**api.event(card_id="T-2", occurred_at=datetime.now(UTC) - timedelta(days=200), **AT), "frame_count": 0}
    soon = {**api.event(card_id="T-3", occurred_at=datetime.now(UTC) + timedelta(minutes=2), **AT),
            "frame_count": 0}
    items = send(api, [old, soon]).json()["items"]
    assert [(i["status"], i.get("error")) for i in items] == [(200, None), (422, "occurred_at_in_future")]
    assert stored(service_db) == {old["event_id"]}
    assert uuid.UUID(items[0]["event_id"])
