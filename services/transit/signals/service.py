"""Use cases of transit signals: detector reports, controller ticks, advance requests, reviews. Flush, never commit."""

import uuid
from datetime import datetime, timedelta

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import func, or_, select
from sqlmodel import Session

from services.common.errors import Conflict, Forbidden, NotFound, Unprocessable
from services.transit.signals import speeds
from services.transit.signals.domain import (
    DEFAULT_TIMING,
    ControllerState,
    CrossingController,
    CrossingSpec,
    Observation,
    PointIn,
    Policy,
    WalkerObs,
    detector_healthy,
    screen_points,
)
from services.transit.signals.models import (
    AdvanceRequest,
    Crossing,
    DesignSpeedReview,
    Extension,
    SignalCycle,
    TrackBatch,
    WalkerTrack,
)
from services.transit.signals.schemas import (
    AdvanceRequestIn,
    AdvanceRequestRead,
    CrossingRead,
    DecisionRead,
    PointRejectionRead,
    TrackBatchIn,
    TrackBatchResult,
    TrackIn,
    TrackRejectionRead,
)

MAX_POINTS_PER_TRACK = 240  # the controller needs seconds; the review needs one track's walk
ADVANCE_VALID_S = 300.0  # a rider reaches the kerb within five minutes of alighting, or the request lapses
REVIEW_MIN_TRACKS = 20  # fewer tracks than this cannot judge a 15th percentile


def spec_of(crossing: Crossing) -> CrossingSpec:
    return CrossingSpec(crossing.id, length_m=crossing.length_m, lanes=crossing.lanes, zone=crossing.zone,
                        design_speed_mps=crossing.design_speed_mps)


def get_crossing(session: Session, crossing_id: str, *, lock: bool = False) -> Crossing:
    query = select(Crossing).where(Crossing.id == crossing_id)
    if lock:
        query = query.with_for_update()
    crossing = session.execute(query).scalar_one_or_none()
    if crossing is None:
        raise NotFound(f"no crossing {crossing_id}", code="crossing_not_found")
    return crossing


def check_detector_place(principal, crossing_id: str) -> None:
    if principal.is_device and principal.device_kind == "detector" and principal.place != crossing_id:
        raise Forbidden("this detector belongs to another crossing", code="wrong_place")


def _epoch(dt: datetime) -> float:
    return dt.timestamp()


# ---- controller ticks ------------------------------------------------------------------------------------


def _observation(session: Session, crossing: Crossing, now: datetime) -> Observation:
    since = now - timedelta(seconds=DEFAULT_TIMING.track_stale_s)
    # a track reported at the far kerb is done for the reviews, but the controller still sees it while the
    # camera keeps reporting it: one noisy point there is not an exit (the all-red holds until seen to leave)
    recent = now - timedelta(seconds=DEFAULT_TIMING.all_red_leave_s)
    rows = session.execute(
        select(WalkerTrack).where(WalkerTrack.crossing_id == crossing.id, WalkerTrack.last_seen_at >= since,
                                  or_(WalkerTrack.completed.is_(False), WalkerTrack.last_seen_at >= recent))
    ).scalars().all()
    walkers = tuple(
        WalkerObs(r.track_key, r.last_position_m, r.speed_mps, min(_epoch(r.last_seen_at), _epoch(now)))
        for r in rows
    )
    extra, requested = session.execute(
        select(func.max(AdvanceRequest.extra_s), func.max(AdvanceRequest.requested_at)).where(
            AdvanceRequest.crossing_id == crossing.id, AdvanceRequest.served_at.is_(None),
            AdvanceRequest.expires_at > now)
    ).one()
    return Observation(
        detector_ok=crossing.detector_status != "fault",
        last_report_s=_epoch(crossing.detector_seen_at) if crossing.detector_seen_at else None,
        kerb_waiting=crossing.kerb_waiting, walkers=walkers, advance_extra_s=float(extra or 0.0),
        advance_requested_s=_epoch(requested) if requested else None,
    )


def tick(session: Session, *, crossing: Crossing, now: datetime) -> DecisionRead:
    """Advances the crossing's controller to `now` on what is known, records what happened. The caller holds
    the crossing row lock."""
    controller = CrossingController(spec_of(crossing), Policy.adaptive())
    state = ControllerState.from_dict(crossing.controller_state)
    if crossing.controller_state is None:
        state.phase_started_s = _epoch(now)
    result = controller.step(state, _observation(session, crossing, now), _epoch(now))
    for ev in result.events:
        at = datetime.fromtimestamp(ev.at_s, tz=now.tzinfo)
        if ev.kind == "extension":
            d = ev.data
            session.add(Extension(crossing_id=crossing.id, cycle_no=result.state.cycle_no, at=at, reason=d["reason"],
                                  track_key=d["track_id"], speed_mps=d["speed_mps"], remaining_m=d["remaining_m"],
                                  extension_s=d["extension_s"], capped=d["capped"]))
        elif ev.kind == "cycle_end":
            d = ev.data
            session.add(SignalCycle(crossing_id=crossing.id, cycle_no=d["cycle_no"], ended_at=at,
                                    clearance_s=d["clearance_s"], floor_s=d["floor_s"], extended_s=d["extended_s"],
                                    ended_by=d["ended_by"], mode=d["mode"]))
        elif ev.kind == "advance_served":
            for req in session.execute(select(AdvanceRequest).where(
                    AdvanceRequest.crossing_id == crossing.id, AdvanceRequest.served_at.is_(None),
                    AdvanceRequest.requested_at <= at)).scalars():
                req.served_at, req.served_cycle_no = at, ev.data["cycle_no"]
    crossing.controller_state = result.state.to_dict()
    session.add(crossing)
    session.flush()
    d = result.decision
    return DecisionRead(crossing_id=crossing.id, at=now, phase=d.phase, remaining_s=d.remaining_s,
                        cycle_no=d.cycle_no, mode=d.mode, request=d.request,
                        clearance_floor_s=d.clearance_floor_s, clearance_cap_s=d.clearance_cap_s,
                        announced_clearance_s=d.announced_clearance_s)


def current_decision(session: Session, *, crossing_id: str, now: datetime) -> DecisionRead:
    crossing = get_crossing(session, crossing_id, lock=True)
    return tick(session, crossing=crossing, now=now)


# ---- detector reports ------------------------------------------------------------------------------------


def ingest_tracks(session: Session, *, crossing_id: str, device_id: str, batch: TrackBatchIn,
                  now: datetime) -> TrackBatchResult:
    crossing = get_crossing(session, crossing_id, lock=True)  # one writer per crossing at a time
    old = session.get(TrackBatch, batch.batch_id)
    if old is not None:
        if old.crossing_id != crossing_id:
            raise Conflict("batch id already used for another crossing", code="batch_id_reused")
        return TrackBatchResult(**{**old.response, "duplicate": True})
    now_s = _epoch(now)
    tracks, malformed = check_tracks(batch.tracks)
    usable: list[tuple[str, list]] = []
    rejections: list[PointRejectionRead] = []
    for track in tracks:
        kept, rejected = screen_points([PointIn(_epoch(p.t), p.position_m, p.speed_mps) for p in track.points],
                                       length_m=crossing.length_m, now_s=now_s)
        rejections += [PointRejectionRead(track_id=track.track_id, index=r.index, reason=r.reason, detail=r.detail)
                       for r in rejected]
        if kept:
            usable.append((track.track_id, [[p.t_s, p.position_m] for p in kept]))
    total = sum(len(t.points) for t in tracks)
    if (total or malformed) and not usable:  # nothing to act on: say why for every point and track, write nothing
        raise Unprocessable({"message": "no usable point in this batch",
                             "rejections": [r.model_dump() for r in rejections],
                             "tracks_rejected": [r.model_dump() for r in malformed]}, code="no_usable_points")
    accepted = sum(len(pts) for _, pts in usable)
    for track_key, pts in usable:
        _merge_track(session, crossing=crossing, track_key=track_key, new_points=pts)
    crossing.detector_seen_at = now
    crossing.detector_status = batch.detector_status
    crossing.kerb_waiting = batch.kerb_waiting
    session.add(crossing)
    session.flush()
    decision = tick(session, crossing=crossing, now=now)
    result = TrackBatchResult(batch_id=batch.batch_id, points_accepted=accepted, points_rejected=len(rejections),
                              rejections=rejections, tracks_rejected=malformed, decision=decision)
    session.add(TrackBatch(id=batch.batch_id, crossing_id=crossing_id, device_id=device_id, sent_at=batch.sent_at,
                           received_at=now, detector_status=batch.detector_status, kerb_waiting=batch.kerb_waiting,
                           points_accepted=accepted, points_rejected=len(rejections),
                           response=result.model_dump(mode="json")))
    session.flush()
    return result


TRACK = TypeAdapter(TrackIn)


def check_tracks(raw_tracks: list) -> tuple[list[TrackIn], list[TrackRejectionRead]]:
    """Each track of a batch on its own: the well-formed ones, and for each other one its index and what is wrong
    (a missing field, a wrong type, a time without its UTC offset), so one bad track never sinks its neighbours."""
    good, bad = [], []
    for i, raw in enumerate(raw_tracks):
        try:
            good.append(TRACK.validate_python(raw))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            track_id = raw.get("track_id") if isinstance(raw, dict) else None
            bad.append(TrackRejectionRead(index=i, track_id=str(track_id)[:64] if track_id is not None else None,
                                          reason="malformed_track", detail=f"{where}: {first['msg']}"[:200]))
    return good, bad


def _merge_track(session: Session, *, crossing: Crossing, track_key: str, new_points: list) -> None:
    row = session.execute(select(WalkerTrack).where(
        WalkerTrack.crossing_id == crossing.id, WalkerTrack.track_key == track_key)).scalar_one_or_none()
    merged = {float(t): float(x) for t, x in (row.points or [] if row else [])}
    merged.update({float(t): float(x) for t, x in new_points})
    pts = sorted(merged.items())[-MAX_POINTS_PER_TRACK:]
    cleaned = speeds.clean_points(pts) or pts
    last_t, last_x = cleaned[-1]
    last_seen = datetime.fromtimestamp(last_t, tz=crossing.created_at.tzinfo)
    if row is None:
        row = WalkerTrack(crossing_id=crossing.id, track_key=track_key, last_seen_at=last_seen,
                          first_seen_at=datetime.fromtimestamp(pts[0][0], tz=crossing.created_at.tzinfo),
                          last_position_m=last_x)
    row.points = [list(p) for p in pts]
    row.last_seen_at = max(row.last_seen_at, last_seen)
    row.last_position_m = last_x
    row.speed_mps = speeds.current_speed(pts)
    row.walking_speed_mps = speeds.walking_speed(pts)
    row.completed = last_x >= crossing.length_m - 0.3
    session.add(row)


# ---- mobility-need advance requests ----------------------------------------------------------------------


def add_advance_request(session: Session, *, crossing_id: str, device_id: str, body: AdvanceRequestIn,
                        now: datetime) -> AdvanceRequestRead:
    get_crossing(session, crossing_id, lock=True)
    old = session.get(AdvanceRequest, body.request_id)
    if old is not None:
        if old.crossing_id != crossing_id:
            raise Conflict("request id already used for another crossing", code="request_id_reused")
        return _advance_read(old, duplicate=True)
    req = AdvanceRequest(id=body.request_id, crossing_id=crossing_id, device_id=device_id, requested_at=now,
                         expires_at=now + timedelta(seconds=ADVANCE_VALID_S),
                         extra_s=body.extra_s or DEFAULT_TIMING.advance_extra_s)
    session.add(req)
    session.flush()
    return _advance_read(req)


def _advance_read(req: AdvanceRequest, *, duplicate: bool = False) -> AdvanceRequestRead:
    return AdvanceRequestRead(request_id=req.id, crossing_id=req.crossing_id, requested_at=req.requested_at,
                              expires_at=req.expires_at, extra_s=req.extra_s, served_cycle_no=req.served_cycle_no,
                              duplicate=duplicate)


# ---- logs and the officials' list ------------------------------------------------------------------------


def list_extensions(session: Session, *, crossing_id: str, limit: int) -> list[Extension]:
    get_crossing(session, crossing_id)
    return list(session.execute(select(Extension).where(Extension.crossing_id == crossing_id)
                                .order_by(Extension.id.desc()).limit(limit)).scalars())


def list_cycles(session: Session, *, crossing_id: str, limit: int) -> list[SignalCycle]:
    get_crossing(session, crossing_id)
    return list(session.execute(select(SignalCycle).where(SignalCycle.crossing_id == crossing_id)
                                .order_by(SignalCycle.id.desc()).limit(limit)).scalars())


def latest_reviews(session: Session) -> dict[str, DesignSpeedReview]:
    latest = select(DesignSpeedReview.crossing_id, func.max(DesignSpeedReview.id).label("id")) \
        .group_by(DesignSpeedReview.crossing_id).subquery()
    rows = session.execute(select(DesignSpeedReview).join(latest, DesignSpeedReview.id == latest.c.id)).scalars()
    return {r.crossing_id: r for r in rows}


def detector_state(crossing: Crossing, now: datetime) -> str:
    if crossing.detector_seen_at is None:
        return "never"
    if crossing.detector_status == "fault":
        return "fault"
    obs = Observation(last_report_s=_epoch(crossing.detector_seen_at))
    return "ok" if detector_healthy(obs, _epoch(now)) else "silent"


def list_crossings(session: Session, *, now: datetime, days: int = 7) -> list[CrossingRead]:
    since = now - timedelta(days=days)
    cycle_rows = session.execute(
        select(SignalCycle.crossing_id, SignalCycle.extended_s, SignalCycle.mode).where(SignalCycle.ended_at >= since)
    ).all()
    ext_rows = session.execute(
        select(Extension.crossing_id, Extension.extension_s).where(Extension.at >= since)).all()
    reviews = latest_reviews(session)
    out = []
    for c in session.execute(select(Crossing).order_by(Crossing.id)).scalars():
        spec = spec_of(c)
        mine = [r for r in cycle_rows if r.crossing_id == c.id]
        ext = [r.extension_s for r in ext_rows if r.crossing_id == c.id]
        review = reviews.get(c.id)
        out.append(CrossingRead(
            id=c.id, name=c.name, intersection_id=c.intersection_id, lat=c.lat, lon=c.lon, length_m=c.length_m,
            lanes=c.lanes, zone=c.zone, design_speed_mps=spec.speed_mps, walk_s=spec.walk_s,
            clearance_floor_s=round(spec.floor_s, 2), clearance_cap_s=round(spec.cap_s(), 2),
            detector=detector_state(c, now),
            measured_p15_mps=review.p15_mps if review else None, measured_tracks=review.tracks if review else 0,
            design_speed_too_fast=review.too_fast if review else None,
            reviewed_at=review.reviewed_at if review else None,
            cycles_7d=len(mine), extended_cycles_7d=sum(1 for r in mine if r.extended_s > 0),
            extensions_7d=len(ext), mean_extension_s_7d=round(sum(ext) / len(ext), 2) if ext else None,
            max_extension_s_7d=max(ext) if ext else None,
            fail_safe_cycles_7d=sum(1 for r in mine if r.mode == "fail_safe"),
        ))
    return out


# ---- the weekly design-speed review ----------------------------------------------------------------------


def review_design_speeds(session: Session, *, now: datetime, days: int = 7) -> dict:
    """Each crossing's walker speed percentiles over the window; flags design speeds faster than p15."""
    since = now - timedelta(days=days)
    flagged, reviewed = [], 0
    for c in session.execute(select(Crossing).order_by(Crossing.id)).scalars():
        values = [v for v in session.execute(select(WalkerTrack.walking_speed_mps).where(
            WalkerTrack.crossing_id == c.id, WalkerTrack.last_seen_at >= since,
            WalkerTrack.walking_speed_mps.is_not(None))).scalars()]
        design = spec_of(c).speed_mps
        p15 = speeds.percentile(values, 15)
        too_fast = None if len(values) < REVIEW_MIN_TRACKS else bool(design > p15)
        session.add(DesignSpeedReview(
            crossing_id=c.id, reviewed_at=now, window_days=days, tracks=len(values), p15_mps=_r(p15),
            p50_mps=_r(speeds.percentile(values, 50)), p85_mps=_r(speeds.percentile(values, 85)),
            design_speed_mps=design, too_fast=too_fast))
        reviewed += 1
        if too_fast:
            flagged.append(c.id)
    session.flush()
    return {"crossings": reviewed, "too_fast": flagged}


def prune_track_points(session: Session, *, now: datetime, keep_days: int = 14) -> int:
    """Raw points are needed for a fortnight at most; the per-track speeds stay for the reviews."""
    old = session.execute(select(WalkerTrack).where(
        WalkerTrack.last_seen_at < now - timedelta(days=keep_days))).scalars().all()
    old = [row for row in old if row.points]
    for row in old:
        row.points = None
        session.add(row)
    session.flush()
    return len(old)


def _r(v: float | None) -> float | None:
    return None if v is None else round(v, 3)


def new_batch_id() -> uuid.UUID:
    return uuid.uuid4()
