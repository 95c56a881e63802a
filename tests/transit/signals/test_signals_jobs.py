"""The weekly design-speed review, the overview part, the demo seed and the simulator driving the real API."""

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from services.common.jobs import run_job
from services.transit.models import job_run
from services.transit.signals.jobs import JOBS
from services.transit.signals.models import Crossing, DesignSpeedReview, Extension, SignalCycle, WalkerTrack
from services.transit.signals.overview import overview_part

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def _tracks(session, crossing_id, speeds_mps, *, days_ago=1.0):
    for i, v in enumerate(speeds_mps):
        seen = NOW - timedelta(days=days_ago, seconds=i)
        session.add(WalkerTrack(crossing_id=crossing_id, track_key=f"k{i}-{days_ago}", first_seen_at=seen,
                                last_seen_at=seen, last_position_m=14.0, walking_speed_mps=v, completed=True,
                                points=[[seen.timestamp(), 0.0]]))


def test_weekly_review_flags_design_speeds_faster_than_the_15th_percentile(make_crossing, client_for, auth):
    for cid, zone in (("X01", "general"), ("X02", "senior"), ("X03", "general")):
        make_crossing(cid, zone=zone)
    rng = random.Random(3)
    with Session(make_crossing.engine) as s:
        _tracks(s, "X01", [rng.gauss(0.85, 0.15) for _ in range(60)])  # p15 ~0.7 < 1.0: too fast
        _tracks(s, "X02", [rng.gauss(1.25, 0.1) for _ in range(60)])  # p15 ~1.15 > 0.8: fine
        _tracks(s, "X03", [0.5] * 5)  # too few to judge
        _tracks(s, "X02", [0.3] * 100, days_ago=20)  # outside the week: ignored, and its points pruned
        s.commit()
    job = next(j for j in JOBS if j.id == "transit.review_design_speeds")
    assert job.trigger["trigger"] == "cron" and job.trigger["day_of_week"] == "mon"
    run = run_job(job, engine=make_crossing.engine, job_run=job_run, settings=None, now=NOW)
    assert run["outcome"] == "ok", run
    assert run["summary"]["too_fast"] == ["X01"] and run["summary"]["points_pruned"] == 100
    with Session(make_crossing.engine) as s:
        reviews = {r.crossing_id: r for r in s.execute(select(DesignSpeedReview)).scalars()}
        old = s.execute(select(WalkerTrack).where(WalkerTrack.crossing_id == "X02")).scalars().all()
    assert reviews["X01"].too_fast is True and 0.6 < reviews["X01"].p15_mps < 0.8 and reviews["X01"].tracks == 60
    assert reviews["X02"].too_fast is False and reviews["X02"].design_speed_mps == 0.8
    assert reviews["X03"].too_fast is None and reviews["X03"].tracks == 5
    assert sum(1 for t in old if t.points) == 60
    items = {c["id"]: c for c in client_for("transit").get("/v1/crossings", headers=auth.headers("official"))
             .json()["items"]}
    assert items["X01"]["design_speed_too_fast"] is True and items["X01"]["measured_p15_mps"] == reviews["X01"].p15_mps


def test_overview_part_figures_with_trend_and_attention(make_crossing):
    make_crossing("X01")
    with Session(make_crossing.engine) as s:
        for i, ext in enumerate([0, 0, 6.0, 0]):
            s.add(SignalCycle(crossing_id="X01", cycle_no=i, ended_at=NOW - timedelta(hours=2), clearance_s=14 + ext,
                              floor_s=14, extended_s=ext, ended_by="cleared", mode="adaptive"))
        s.add(SignalCycle(crossing_id="X01", cycle_no=9, ended_at=NOW - timedelta(hours=30), clearance_s=9,
                          floor_s=14, extended_s=0, ended_by="gap_out", mode="adaptive"))
        s.add(Extension(crossing_id="X01", cycle_no=2, at=NOW - timedelta(hours=2), reason="walker_stopped",
                        extension_s=21.0, capped=True))
        s.add(DesignSpeedReview(crossing_id="X01", reviewed_at=NOW, window_days=7, tracks=40, p15_mps=0.7,
                                design_speed_mps=1.0, too_fast=True))
        c = s.get(Crossing, "X01")
        c.detector_seen_at = NOW - timedelta(minutes=5)
        s.add(c)
        s.commit()
        figures, attention = overview_part(s, now=NOW)
    f = {x.key: x for x in figures}
    assert (f["signals_cycles"].value, f["signals_cycles"].previous) == (4, 1)
    assert f["signals_extended_share"].value == 25.0 and f["signals_extended_share"].previous == 0.0
    assert f["signals_mean_extension_s"].value == 21.0
    a = {x.key: x for x in attention}
    assert a["signals_design_speed_too_fast"].count == 1
    assert a["signals_detector_down"].count == 1 and a["signals_detector_down"].severity == "critical"
    assert a["signals_extension_capped"].count == 1


def test_seed_is_idempotent_and_every_crossing_has_a_detector(service_db):
    from services.transit.signals import seed

    engine = service_db("transit").engine
    first = seed.seed(engine, settings=None, credentials={})
    again = seed.seed(engine, settings=None, credentials={})
    assert 6 <= first["crossings_added"] <= 10 and again == {"crossings_added": 0, "crossings": first["crossings"]}
    with Session(engine) as s:
        crossings = s.execute(select(Crossing)).scalars().all()
        assert {c.zone for c in crossings} == {"general", "senior", "child"}
        assert all(35.9 < c.lat < 36.1 and 129.2 < c.lon < 129.5 for c in crossings)
        assert s.execute(select(DesignSpeedReview)).first() is not None
        # a year of cycles per crossing, numbered in time order, every day of it with some, extensions in it too
        now = datetime.now(UTC)
        for c in crossings:
            ends = [_utc(t) for t in s.execute(select(SignalCycle.ended_at).where(SignalCycle.crossing_id == c.id)
                                               .order_by(SignalCycle.cycle_no)).scalars()]
            assert ends == sorted(ends) and timedelta(days=364) < now - ends[0] < timedelta(days=365), c.id
            assert len({(now - t).days for t in ends}) == 365, c.id
            assert _utc(c.created_at) <= ends[0]
        ten_months_ago = now - timedelta(days=300)
        assert s.execute(select(Extension).where(Extension.at < ten_months_ago)).first() is not None
    assert sorted(p for _, kind, p in seed.DEMO_DEVICES if kind == "detector") == sorted(c.id for c in crossings)


def test_simulator_drives_the_crossings_through_the_api(client_for, auth, service_db):
    from services.transit.signals import seed
    from services.transit.signals.simulator import Simulator

    client = client_for("transit")
    seed.seed(service_db("transit").engine, settings=None, credentials={})
    devices = {}
    for name, kind, place in seed.DEMO_DEVICES[:3]:
        device_id, key = auth.device(kind, place, name=name)
        devices[name] = {"id": device_id, "key": key, "kind": kind, "place": place}
    sim = Simulator(base_url="http://testserver", credentials={"devices": devices}, rng=random.Random(1), rate=20.0,
                    client=client)
    for _ in range(8):
        sim.step()
    assert sum(len(c.waiting) + len(c.walking) for c in sim.crossings) > 0
    listed = {c["id"]: c for c in client.get("/v1/crossings", headers=auth.headers("official")).json()["items"]}
    assert all(listed[d["place"]]["detector"] == "ok" for d in devices.values())


def test_transit_overview_route_carries_the_signals_part(client_for, auth, make_crossing):
    make_crossing("X01")
    r = client_for("transit").get("/v1/overview", headers=auth.headers("official"))
    assert r.status_code == 200, r.text
    keys = {f["key"] for f in r.json()["figures"]}
    assert {"signals_cycles", "signals_extended_share", "signals_mean_extension_s"} <= keys


def _utc(ts: datetime) -> datetime:
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)
