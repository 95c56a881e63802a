"""A bus's offline queue item by item (README "Sync protocol"): a bad event answers by its index with a stable code,
route and stop ids are checked against the network, device times against the windows (outside them: held for an
official, never stored as if right nor lost); the rest are decided."""

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
        (4, 202, "occurred_at_in_future"), (5, 202, "occurred_at_too_old"), (6, 422, "duplicate_event_id"),
        (7, 422, "validation_error"), (8, 200, None), (9, 403, "wrong_place")]
    assert "stop_id" in items[7]["detail"] and items[7]["event_id"] == events[7]["event_id"]
    assert items[8]["answer"]["decision"] == "verified"  # obama's frame reached obama's card
    assert stored(service_db) == {good["event_id"], events[8]["event_id"]}
    # the same queue again: the good ones answer as before, nothing new is stored
    again = send(api, events, frames).json()["items"]
    assert again == items
    with Session(service_db("transit").engine) as s:
        assert s.scalar(select(func.count()).select_from(Boarding)) == 2


def test_a_live_boarding_on_a_route_or_stop_not_in_the_network_is_refused(api, service_db):
    """The door's live path checks route and stop ids as the queue does: a bus makes no cell that does not exist."""
    refused = [({"route_id": "R999"}, "unknown_route"), ({"route_id": "200", "stop_id": "POSTECH"}, "unknown_stop"),
               ({"route_id": "101", "stop_id": "S1"}, "unknown_stop")]
    for where, code in refused:
        r = api.board([], card_id="T-1", **where)
        assert (r.status_code, r.json()["error"]) == (422, code), r.text
    assert stored(service_db) == set()
    r = api.board([], card_id="T-1", route_id="200", stop_id="Hyoja Stn")
    assert r.status_code == 200, r.text
    assert len(stored(service_db)) == 1


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
    assert [(i["status"], i.get("error")) for i in items] == [(200, None), (202, "occurred_at_in_future")]
    assert stored(service_db) == {old["event_id"]}
    assert uuid.UUID(items[0]["event_id"])


def test_held_boardings_wait_for_an_official_and_the_skew_is_kept_per_bus(api, service_db):
    rider = api.rider(routes=["101"])
    card = api.card(rider, "senior")
    now = datetime.now(UTC)
    behind = now - timedelta(hours=3)
    reset = {**api.event(card_id=card, occurred_at=datetime(1970, 1, 1, 0, 10, tzinfo=UTC), **AT), "frame_count": 1}
    r = send(api, [reset], [shrunk("people/obama/2.jpg")])
    held = r.json()["items"][0]
    assert (held["status"], held["error"]) == (202, "occurred_at_too_old") and held["hold_id"]
    assert send(api, [reset], [shrunk("people/obama/2.jpg")]).json()["items"][0]["hold_id"] == held["hold_id"]
    slow = {**api.event(card_id=card, occurred_at=behind - timedelta(minutes=2), **AT), "frame_count": 0}
    r = api.client.post("/v1/boardings/batch", headers={**api.bus, "X-Device-Time": behind.isoformat()},
                        data={"events": json.dumps([slow])})
    slow_item = r.json()["items"][0]
    assert (slow_item["status"], slow_item["error"]) == (202, "device_clock_behind")
    assert stored(service_db) == set()  # nothing counted in ridership until confirmed

    clocks = api.client.get("/v1/buses/clocks", headers=api.official).json()
    assert len(clocks) == 1 and clocks[0]["bus_id"] == api.bus_id and clocks[0]["held_open"] == 2
    assert abs(clocks[0]["skew_s"] + 3 * 3600) < 60
    assert api.client.get("/v1/buses/clocks", headers=api.bus).status_code == 403
    listed = {h["event_id"]: h for h in api.client.get("/v1/boardings/held", headers=api.official).json()}
    assert set(listed) == {reset["event_id"], slow["event_id"]} and listed[reset["event_id"]]["frames"] == 1
    suggested = datetime.fromisoformat(listed[slow["event_id"]]["suggested_occurred_at"])
    assert abs(suggested - (now - timedelta(minutes=2))) < timedelta(seconds=60)

    # confirmed: decided through the same path as a boarding, as a card tap (the frames were never kept), so a
    # senior card alone pays the standard fare: no face verified it and no driver confirmed it (issue 14)
    r = api.client.post(f"/v1/boardings/held/{listed[slow['event_id']]['id']}/confirm", headers=api.official,
                        json={})
    assert r.status_code == 200, r.text
    answer = r.json()["answer"]
    # confirming the time is not confirming the card holder: no face, so the standard fare until the driver does
    assert (answer["reason"], answer["rider_id"], answer["concession"], answer["fare_krw"]) == (
        "not_enrolled", rider, "senior", 1200)
    assert (answer["concession_applied"], answer["concession_reason"]) == (False, "awaiting_driver_confirmation")
    real = now - timedelta(hours=1)
    r = api.client.post(f"/v1/boardings/held/{held['hold_id']}/confirm", headers=api.official,
                        json={"occurred_at": real.isoformat()})
    assert r.status_code == 200, r.text
    with Session(service_db("transit").engine) as s:
        rows = {str(b.event_id): b for b in s.scalars(select(Boarding)).all()}
    assert set(rows) == {reset["event_id"], slow["event_id"]}
    assert rows[reset["event_id"]].occurred_at == real
    assert abs(rows[slow["event_id"]].occurred_at - suggested) < timedelta(seconds=1)
    # the bus's retry now gets the decision; a second confirm is refused
    again = send(api, [reset], [shrunk("people/obama/2.jpg")]).json()["items"][0]
    assert again["status"] == 200 and again["answer"]["event_id"] == reset["event_id"]
    r = api.client.post(f"/v1/boardings/held/{held['hold_id']}/confirm", headers=api.official, json={})
    assert r.status_code == 409 and r.json()["error"] == "hold_closed"


def test_a_held_boarding_without_a_card_can_only_be_discarded(api, service_db):
    event = {**api.event(occurred_at=datetime.now(UTC) + timedelta(hours=2), **AT), "frame_count": 1}
    item = send(api, [event], [shrunk("people/obama/2.jpg")]).json()["items"][0]
    assert item["status"] == 202
    r = api.client.post(f"/v1/boardings/held/{item['hold_id']}/confirm", headers=api.official, json={})
    assert r.status_code == 422 and r.json()["error"] == "no_frames"
    r = api.client.post(f"/v1/boardings/held/{item['hold_id']}/discard", headers=api.official)
    assert r.status_code == 200 and r.json()["status"] == "discarded"
    again = send(api, [event], [shrunk("people/obama/2.jpg")]).json()["items"][0]
    assert (again["status"], again["error"]) == (410, "event_discarded")
    assert stored(service_db) == set()


def test_an_event_decided_live_is_not_held_when_the_queue_sends_it_again_with_a_wrong_clock(api):
    card = api.card(api.rider(), "senior")
    live = api.event(card_id=card, occurred_at=datetime.now(UTC) - timedelta(minutes=1), **AT)
    first = api.client.post("/v1/boardings", headers=api.bus, data=live)
    assert first.status_code == 200, first.text
    r = api.client.post("/v1/boardings/batch", headers={**api.bus, "X-Device-Time": "1970-01-01T00:00:00+00:00"},
                        data={"events": json.dumps([{**live, "frame_count": 0}])})
    item = r.json()["items"][0]
    assert item["status"] == 200 and item["answer"] == first.json()


def _near(a, b, seconds=60) -> bool:
    return abs(datetime.fromisoformat(a) - b) < timedelta(seconds=seconds)


def test_a_live_boarding_outside_the_windows_is_decided_at_once_and_recorded_at_the_servers_time(api, service_db):
    """The rider is at the door: a live boarding is never held. A bus clock outside the windows gets its boarding
    recorded at the server's time, the bus's time kept beside it, `time_error` in the answer, the skew per bus."""
    rider = api.rider(routes=["101"])
    api.enrol(rider, "people/obama/1.jpg")
    card = api.card(rider, "senior")
    now = datetime.now(UTC)
    ahead = api.event(card_id=card, occurred_at=now + timedelta(hours=2), **AT)  # a bus clock 2 h fast
    files = [("frames", ("0.jpg", shrunk("people/obama/2.jpg"), "image/jpeg"))]
    r = api.client.post("/v1/boardings", headers=api.bus, data=ahead, files=files)
    assert r.status_code == 200, r.text
    body = r.json()
    # decided at once as any boarding: the face verifies the card holder, the fare is today's
    assert (body["decision"], body["concession_applied"], body["fare_krw"]) == ("verified", True, 0)
    assert body["time_error"] == "occurred_at_in_future"
    assert body["device_occurred_at"] is not None and _near(body["device_occurred_at"], now + timedelta(hours=2))
    assert _near(body["occurred_at"], now) and abs(body["bus_skew_s"] - 7200) < 60
    # the bus's retry (seconds later) replays the first answer and records nothing new
    again = api.client.post("/v1/boardings", headers=api.bus, data=ahead, files=files)
    assert again.status_code == 200 and again.json() == body

    reset = api.event(card_id=card, occurred_at=datetime(1970, 1, 1, 0, 5, tzinfo=UTC), **AT)  # a reset clock
    r = api.client.post("/v1/boardings", headers=api.bus, data=reset)
    assert r.status_code == 200, r.text
    assert (r.json()["time_error"], r.json()["decision"]) == ("occurred_at_too_old", "no_face")  # a card tap
    assert _near(r.json()["occurred_at"], now) and r.json()["bus_skew_s"] < -50 * 365 * 86400

    # the bus's own clock sent (X-Device-Time) an hour behind: its time is not believed either
    behind = now - timedelta(hours=1)
    slow = api.event(card_id=card, occurred_at=behind, **AT)
    r = api.client.post("/v1/boardings", headers={**api.bus, "X-Device-Time": behind.isoformat()}, data=slow)
    assert r.status_code == 200 and r.json()["time_error"] == "device_clock_behind", r.text
    assert _near(r.json()["occurred_at"], now) and abs(r.json()["bus_skew_s"] + 3600) < 60

    # inside the windows the bus's time stands
    fine = api.event(card_id=card, occurred_at=now - timedelta(minutes=3), **AT)
    r = api.client.post("/v1/boardings", headers=api.bus, data=fine)
    assert r.status_code == 200 and r.json()["time_error"] is None and r.json()["device_occurred_at"] is None
    assert _near(r.json()["occurred_at"], now - timedelta(minutes=3), seconds=1)

    with Session(service_db("transit").engine) as s:
        rows = {str(b.event_id): b for b in s.scalars(select(Boarding)).all()}
    assert set(rows) == {ahead["event_id"], reset["event_id"], slow["event_id"], fine["event_id"]}
    for ev in (ahead, reset, slow):  # counted today, the bus's time kept beside it
        row = rows[ev["event_id"]]
        assert abs(row.occurred_at - now) < timedelta(seconds=60)
        assert row.device_occurred_at == datetime.fromisoformat(ev["occurred_at"])
    assert rows[fine["event_id"]].device_occurred_at is None
    assert rows[fine["event_id"]].occurred_at == datetime.fromisoformat(fine["occurred_at"])
    # nothing held; the skew last reported (the X-Device-Time one) is the bus's
    assert api.client.get("/v1/boardings/held", headers=api.official).json() == []
    clocks = api.client.get("/v1/buses/clocks", headers=api.official).json()
    assert len(clocks) == 1 and clocks[0]["bus_id"] == api.bus_id and clocks[0]["held_open"] == 0
    assert abs(clocks[0]["skew_s"] + 3600) < 60
    listed = {b["event_id"]: b for b in api.client.get("/v1/boardings", headers=api.official).json()["items"]}
    assert _near(listed[ahead["event_id"]]["device_occurred_at"], now + timedelta(hours=2))
    # the queue sending it again (a wrong clock still) gets the decision, not a hold
    item = send(api, [{**reset, "frame_count": 0}]).json()["items"][0]
    assert item["status"] == 200 and item["answer"]["time_error"] == "occurred_at_too_old"


def test_a_live_boarding_from_a_fast_clock_reports_its_skew_without_x_device_time(api):
    card = api.card(api.rider(), "student")
    ev = api.event(card_id=card, occurred_at=datetime.now(UTC) + timedelta(minutes=30), **AT)
    r = api.client.post("/v1/boardings", headers=api.bus, data=ev)
    assert r.status_code == 200 and r.json()["time_error"] == "occurred_at_in_future", r.text
    clocks = api.client.get("/v1/buses/clocks", headers=api.official).json()
    assert len(clocks) == 1 and abs(clocks[0]["skew_s"] - 1800) < 60
