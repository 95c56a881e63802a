"""The signals API: detector reports (device key, place, idempotent batches), the decision, the extension log,
mobility-need advance requests and the officials' list."""

import json
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from services.transit.signals.models import Crossing, TrackBatch, WalkerTrack


def _now():
    return datetime.now(UTC)


def batch(*, kerb=0, tracks=(), status="ok", batch_id=None):
    return {"batch_id": str(batch_id or uuid.uuid4()), "sent_at": _now().isoformat(), "detector_status": status,
            "kerb_waiting": kerb, "tracks": list(tracks)}


def track(track_id, speed, x0, seconds=4.0, dt=0.5, end=None):
    end = end or _now()
    n = int(seconds / dt)
    return {"track_id": track_id, "points": [
        {"t": (end - timedelta(seconds=(n - i) * dt)).isoformat(), "position_m": round(x0 + speed * i * dt, 3)}
        for i in range(n + 1)]}


def test_detector_reports_and_kerb_demand_calls_the_walk(client_for, auth, make_crossing):
    client = client_for("transit")
    cid = make_crossing()
    headers = auth.device_headers("detector", cid)
    r = client.post(f"/v1/crossings/{cid}/tracks", json=batch(kerb=2), headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["decision"]["phase"] == "vehicle_green" and body["decision"]["request"] is True
    assert body["decision"]["clearance_floor_s"] == 14.0 and body["decision"]["mode"] == "adaptive"
    d = client.get(f"/v1/crossings/{cid}/decision", headers=headers).json()
    assert d["request"] is True and 0 < d["remaining_s"] <= 20.0  # minimum vehicle green, then the walk


def test_track_batches_are_idempotent(client_for, auth, make_crossing):
    client = client_for("transit")
    cid = make_crossing()
    other = make_crossing("X02")
    headers = auth.device_headers("detector", cid)
    body = batch(kerb=1, tracks=[track("t1", 1.0, 0.0)])
    first = client.post(f"/v1/crossings/{cid}/tracks", json=body, headers=headers).json()
    again = client.post(f"/v1/crossings/{cid}/tracks", json=body, headers=headers).json()
    assert again["duplicate"] is True and first["duplicate"] is False
    assert {**again, "duplicate": False} == first
    with Session(make_crossing.engine) as s:
        assert s.execute(select(func.count()).select_from(TrackBatch)).scalar_one() == 1
        assert len(s.execute(select(WalkerTrack)).scalar_one().points) == 9
    r = client.post(f"/v1/crossings/{other}/tracks", json=body, headers=auth.device_headers("detector", other))
    assert r.status_code == 409 and r.json()["error"] == "batch_id_reused"


def test_concurrent_retries_of_one_batch_record_it_once(client_for, auth, make_crossing):
    client = client_for("transit")
    cid = make_crossing()
    headers = auth.device_headers("detector", cid)
    body = batch(kerb=1, tracks=[track("t1", 1.0, 0.0)])
    answers = []

    def post():
        answers.append(client.post(f"/v1/crossings/{cid}/tracks", json=body, headers=headers))

    threads = [threading.Thread(target=post) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a.status_code for a in answers] == [200] * 6
    assert sum(1 for a in answers if not a.json()["duplicate"]) == 1
    with Session(make_crossing.engine) as s:
        assert s.execute(select(func.count()).select_from(TrackBatch)).scalar_one() == 1


def test_who_may_call(client_for, auth, make_crossing):
    client = client_for("transit")
    cid = make_crossing()
    make_crossing("X02")
    url = f"/v1/crossings/{cid}/tracks"
    assert client.post(url, json=batch()).status_code == 401
    r = client.post(url, json=batch(), headers=auth.device_headers("detector", "X02"))
    assert r.status_code == 403 and r.json()["error"] == "wrong_place"
    assert client.post(url, json=batch(), headers=auth.headers("official")).status_code == 403
    assert client.post(url, json=batch(), headers=auth.device_headers("bus", "B1")).status_code == 403
    r = client.post("/v1/crossings/X99/tracks", json=batch(), headers=auth.device_headers("detector", "X99"))
    assert r.status_code == 404 and r.json()["error"] == "crossing_not_found"
    assert client.get(f"/v1/crossings/{cid}/decision", headers=auth.headers("official")).status_code == 200
    assert client.get(f"/v1/crossings/{cid}/extensions", headers=auth.headers("nurse", district="Buk-gu")
                      ).status_code == 403
    assert client.get("/v1/crossings", headers=auth.device_headers("detector", cid)).status_code == 403


def test_bad_input_is_a_422_envelope_and_implausible_points_are_rejected(client_for, auth, make_crossing):
    client = client_for("transit")
    cid = make_crossing()
    headers = auth.device_headers("detector", cid)
    url = f"/v1/crossings/{cid}/tracks"
    for bad in (batch(status="broken"), {**batch(), "kerb_waiting": -1}, {**batch(), "batch_id": "nope"},
                {**batch(), "tracks": {"track_id": "a"}}):
        r = client.post(url, json=bad, headers=headers)
        assert r.status_code == 422 and r.json()["error"] == "validation_error" and "request_id" in r.json()
    future = (_now() + timedelta(minutes=5)).isoformat()
    r = client.post(url, json=batch(tracks=[
        {"track_id": "a", "points": [{"t": _now().isoformat(), "position_m": 40.0},
                                     {"t": future, "position_m": 3.0},
                                     {"t": _now().isoformat(), "position_m": 3.0}]}]), headers=headers)
    assert r.status_code == 200 and (r.json()["points_accepted"], r.json()["points_rejected"]) == (1, 2)
    assert [(x["index"], x["reason"]) for x in r.json()["rejections"]] == [
        (0, "position_outside_crossing"), (1, "time_in_future")]


def test_a_malformed_track_is_refused_by_its_index_and_its_neighbours_are_used(client_for, auth, make_crossing):
    client = client_for("transit")
    cid = make_crossing()
    headers = auth.device_headers("detector", cid)
    url = f"/v1/crossings/{cid}/tracks"
    naive = (_now() - timedelta(seconds=1)).replace(tzinfo=None).isoformat()
    r = client.post(url, json=batch(tracks=[
        track("good", 1.0, 0.0, seconds=2.0),
        {"track_id": "empty", "points": []},
        "not a track",
        {"track_id": "naive", "points": [{"t": naive, "position_m": 2.0}]},
        {"track_id": "typed", "points": [{"t": _now().isoformat(), "position_m": "two metres"}]},
        {"points": [{"t": _now().isoformat(), "position_m": 1.0}]},
    ]), headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(x["index"], x["track_id"], x["reason"]) for x in body["tracks_rejected"]] == [
        (1, "empty", "malformed_track"), (2, None, "malformed_track"), (3, "naive", "malformed_track"),
        (4, "typed", "malformed_track"), (5, None, "malformed_track")]
    assert "timezone" in body["tracks_rejected"][2]["detail"]
    assert body["points_accepted"] == 5 and body["points_rejected"] == 0
    with Session(make_crossing.engine) as s:
        assert [w.track_key for w in s.execute(select(WalkerTrack)).scalars()] == ["good"]
    # only malformed tracks: nothing usable, a 422 that names each, nothing written
    r = client.post(url, json=batch(kerb=4, tracks=[{"track_id": "x"}, 7]), headers=headers)
    assert r.status_code == 422 and r.json()["error"] == "no_usable_points"
    assert [x["index"] for x in r.json()["detail"]["tracks_rejected"]] == [0, 1]
    with Session(make_crossing.engine) as s:
        assert s.execute(select(func.count()).select_from(TrackBatch)).scalar_one() == 1
        assert s.get(Crossing, cid).kerb_waiting == 0


def _post_raw(client, url, body, headers):
    # NaN is not JSON, but detectors built on json libraries that allow it send it: the API must answer it
    return client.post(url, content=json.dumps(body, allow_nan=True),
                       headers={**headers, "content-type": "application/json"})


def test_nan_and_impossible_points_get_a_reason_each_and_a_batch_with_none_usable_is_a_422(
        client_for, auth, make_crossing):
    client = client_for("transit")
    cid = make_crossing()
    headers = auth.device_headers("detector", cid)
    url = f"/v1/crossings/{cid}/tracks"
    t0 = _now() - timedelta(seconds=3)

    def pt(dt, x, v=None):
        p = {"t": (t0 + timedelta(seconds=dt)).isoformat(), "position_m": x}
        return {**p, "speed_mps": v} if v is not None else p

    mixed = batch(kerb=1, tracks=[
        {"track_id": "ok", "points": [pt(0, 1.0), pt(1, 2.0), pt(2, 8.5), pt(2.5, 3.1), pt(3, float("nan"))]},
        {"track_id": "bad", "points": [pt(0, float("inf")), pt(1, 2.0, v=float("nan")), pt(2, 3.0, v=7.0),
                                       pt(2, 3.0), pt(2, 3.2)]}])
    r = _post_raw(client, url, mixed, headers)
    assert r.status_code == 200, r.text
    body = r.json()
    reasons = {(x["track_id"], x["index"]): x["reason"] for x in body["rejections"]}
    assert reasons == {("ok", 2): "implied_speed_impossible", ("ok", 4): "position_not_finite",
                       ("bad", 0): "position_not_finite", ("bad", 1): "speed_not_finite",
                       ("bad", 2): "speed_impossible", ("bad", 4): "duplicate_time"}
    assert (body["points_accepted"], body["points_rejected"]) == (4, 6)
    with Session(make_crossing.engine) as s:
        assert {w.track_key: len(w.points) for w in s.execute(select(WalkerTrack)).scalars()} == {"ok": 3, "bad": 1}

    nothing = batch(kerb=5, tracks=[{"track_id": "x", "points": [pt(0, float("nan")), pt(1, 99.0)]}])
    r = _post_raw(client, url, nothing, headers)
    assert r.status_code == 422 and r.json()["error"] == "no_usable_points"
    assert [x["reason"] for x in r.json()["detail"]["rejections"]] == ["position_not_finite",
                                                                        "position_outside_crossing"]
    with Session(make_crossing.engine) as s:  # nothing written: no batch, no track, kerb count unchanged
        assert s.execute(select(func.count()).select_from(TrackBatch)).scalar_one() == 1
        assert s.execute(select(WalkerTrack).where(WalkerTrack.track_key == "x")).first() is None
        assert s.get(Crossing, cid).kerb_waiting == 1
    # a kerb-only report (no points at all) is usable
    assert client.post(url, json=batch(kerb=2), headers=headers).status_code == 200


def _in_clearance(started_ago_s):
    start = _now().timestamp() - started_ago_s
    return {"phase": "clearance", "phase_started_s": start, "cycle_no": 3, "last_occupied_s": None}


def test_slow_walker_extends_the_clearance_and_the_log_says_why(client_for, auth, make_crossing):
    client = client_for("transit")
    cid = make_crossing(state=_in_clearance(2.0))
    headers = auth.device_headers("detector", cid)
    r = client.post(f"/v1/crossings/{cid}/tracks", json=batch(tracks=[track("slow", 0.6, 0.0, seconds=3.0)]),
                    headers=headers)
    d = r.json()["decision"]
    assert d["phase"] == "clearance" and d["mode"] == "adaptive"
    # 1.8 m walked at 0.6 m/s: 12.2 m left -> ~20 s more, well past the floor's remaining ~12 s
    assert 18.0 < d["remaining_s"] < 23.0
    ext = client.get(f"/v1/crossings/{cid}/extensions", headers=auth.headers("official")).json()
    assert len(ext) == 1
    e = ext[0]
    assert e["reason"] == "walker_on_crossing" and e["track_key"] == "slow" and e["cycle_no"] == 3
    assert abs(e["speed_mps"] - 0.6) < 0.05 and abs(e["remaining_m"] - 12.2) < 0.3 and e["extension_s"] > 5
    # the same walker seen again adds no second log line
    client.post(f"/v1/crossings/{cid}/tracks", json=batch(tracks=[track("slow", 0.6, 1.8, seconds=1.0)]),
                headers=headers)
    assert len(client.get(f"/v1/crossings/{cid}/extensions", headers=headers).json()) == 1


def test_empty_crossing_ends_the_clearance_early_and_logs_the_cycle(client_for, auth, make_crossing):
    client = client_for("transit")
    cid = make_crossing(state=_in_clearance(6.0))
    headers = auth.device_headers("detector", cid)
    d = client.post(f"/v1/crossings/{cid}/tracks", json=batch(), headers=headers).json()["decision"]
    assert d["phase"] in ("all_red", "vehicle_green")
    cycles = client.get(f"/v1/crossings/{cid}/cycles", headers=headers).json()
    assert [(c["cycle_no"], c["ended_by"]) for c in cycles] == [(3, "gap_out")]
    assert cycles[0]["clearance_s"] < 14.0


def test_a_walker_reported_at_the_far_kerb_during_the_all_red_holds_it_until_seen_to_leave(
        client_for, auth, make_crossing):
    """A point at the far kerb closes the track for the reviews, but not for the controller: it may be noise,
    or a walker stalled a step short; the all-red holds until the camera stops reporting them."""
    client = client_for("transit")
    start = _now().timestamp() - 0.5
    cid = make_crossing(state={"phase": "all_red", "phase_started_s": start, "cycle_no": 3, "last_occupied_s": None})
    headers = auth.device_headers("detector", cid)
    d = client.post(f"/v1/crossings/{cid}/tracks", json=batch(tracks=[track("w", 1.2, 11.5, seconds=2.0)]),
                    headers=headers).json()["decision"]
    # the last point, 13.9 m of 14, is now: held 2.5 s from it, past the plain all-red's last 1.5 s
    assert d["phase"] == "all_red" and 2.0 < d["remaining_s"] <= 2.6


def test_faulty_detector_runs_the_fixed_plan(client_for, auth, make_crossing):
    client = client_for("transit")
    headers = auth.device_headers("detector", "X01")
    started = time.monotonic()
    cid = make_crossing(zone="senior", state=_in_clearance(6.0))
    d = client.post(f"/v1/crossings/{cid}/tracks", json=batch(status="fault"), headers=headers).json()["decision"]
    elapsed = time.monotonic() - started  # the clearance kept running while the test set up and asked
    assert d["phase"] == "clearance" and d["mode"] == "fail_safe"
    # the senior zone's fixed plan: 14 m at 0.8 m/s = 17.5 s of clearance, 6 s of it gone before the call
    # (fixed 1.0 m/s would leave 8 s; a walker-extended clearance more than 11.5 s)
    assert 14.0 / 0.8 - 6.0 - elapsed - 0.1 <= d["remaining_s"] <= 14.0 / 0.8 - 6.0 + 0.1
    listed = client.get("/v1/crossings", headers=auth.headers("official")).json()["items"]
    assert listed[0]["detector"] == "fault"


def test_mobility_need_advance_request_from_a_bus(client_for, auth, make_crossing):
    client = client_for("transit")
    cid = make_crossing()
    bus = auth.device_headers("bus", "bus-207")
    rid = str(uuid.uuid4())
    r = client.post(f"/v1/crossings/{cid}/advance-requests", json={"request_id": rid}, headers=bus)
    assert r.status_code == 200 and r.json()["extra_s"] == 6.0 and r.json()["duplicate"] is False
    again = client.post(f"/v1/crossings/{cid}/advance-requests", json={"request_id": rid, "extra_s": 10},
                        headers=bus).json()
    assert again["duplicate"] is True and again["extra_s"] == 6.0
    assert client.post(f"/v1/crossings/{cid}/advance-requests", json={"request_id": str(uuid.uuid4()),
                       "extra_s": 60}, headers=bus).status_code == 422
    d = client.get(f"/v1/crossings/{cid}/decision", headers=auth.headers("official")).json()
    assert d["request"] is True and d["clearance_floor_s"] == 14.0


def test_officials_list_crossings_with_zone_design_speed_and_stats(client_for, auth, make_crossing):
    client = client_for("transit")
    make_crossing("X01", zone="senior", lanes=4, length_m=13.0)
    make_crossing("X02", zone="general", lanes=6, length_m=19.5)
    r = client.get("/v1/crossings", headers=auth.headers("official"))
    assert r.status_code == 200
    items = {c["id"]: c for c in r.json()["items"]}
    assert items["X01"]["design_speed_mps"] == 0.8 and items["X02"]["design_speed_mps"] == 1.0
    assert items["X01"]["clearance_floor_s"] == 16.25 and items["X02"]["clearance_cap_s"] == 48.75
    assert items["X01"]["lat"] == 36.04 and items["X01"]["detector"] == "never"
    assert items["X01"]["measured_p15_mps"] is None and items["X01"]["cycles_7d"] == 0
    assert client.get("/v1/crossings", headers=auth.headers("centre_staff", centre_id="C001")).status_code == 403
