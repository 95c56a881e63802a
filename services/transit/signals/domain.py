"""The crossing controller: pure rules, one state machine per crossing, run by the service and by SUMO alike.

Cycle: vehicle_green -> vehicle_amber -> walk (entry time) -> clearance -> all_red -> vehicle_green.
A pedestrian call (kerb demand or a mobility-need advance request) ends vehicle green after its minimum.
Clearance under the adaptive policy: the floor length / design speed is the plan; a healthy detector
shortens it when the crossing is empty (gap-out, Puffin style) and holds it while a tracked walker still
needs time (remaining distance / measured speed), up to the cap. A silent or faulty detector falls back to
the zone's fixed plan (floor clearance, pedestrian phase every fixed cycle). Times are plain seconds on
one clock the caller owns (epoch seconds in the service, simulation seconds in SUMO).
"""

from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum

# ---- rules as data ---------------------------------------------------------------------------------------


class Zone(StrEnum):
    general = "general"
    senior = "senior"
    child = "child"


@dataclass(frozen=True)
class ZonePlan:
    zone: str
    design_speed_mps: float
    walk_s: float  # entry time
    source: str


# Korea: pedestrian green = entry time 7 s (4-7 s) + length at 1.0 m/s; child/senior protection zones 0.8 m/s
# (Korean National Police Agency signal manual, as summarised in shared/DOMAIN.md; verify).
ZONE_PLANS: dict[str, ZonePlan] = {
    Zone.general: ZonePlan("general", 1.0, 7.0, "KNPA signal manual: 7 s entry + length at 1.0 m/s (verify)"),
    Zone.senior: ZonePlan("senior", 0.8, 7.0, "KNPA signal manual: protection zones 0.8 m/s (verify)"),
    Zone.child: ZonePlan("child", 0.8, 7.0, "KNPA signal manual: protection zones 0.8 m/s (verify)"),
}


@dataclass(frozen=True)
class Timing:
    """Cabinet timings and the controller's safety margins (seconds unless named otherwise)."""

    min_vehicle_green_s: float = 20.0  # SUMO tutorial push-button crossing: vehicle green >= 15 s
    amber_s: float = 4.0  # SUMO tutorial: 4 s amber
    all_red_s: float = 2.0
    fixed_vehicle_green_s: float = 60.0  # fail-safe fixed plan: pedestrian phase every cycle after this
    min_clearance_s: float = 4.0  # never shorter, even on an empty crossing (detector latency)
    gap_s: float = 1.0  # crossing empty this long -> end early (missed frames are covered by track_stale_s)
    cap_speed_mps: float = 0.4  # cap = length / this: we hold for walkers down to 0.4 m/s, no slower
    margin_s: float = 1.0  # added to a walker's predicted time to the kerb
    stopped_speed_mps: float = 0.1  # a stopped walker is predicted at this speed, i.e. held to the cap
    unknown_speed_mps: float = 0.5  # a fresh track without a speed yet: assume a slow walker
    track_stale_s: float = 3.0  # a track not seen for this long has left the crossing
    detector_silence_s: float = 10.0  # no report for this long -> detector silent -> fail-safe
    advance_extra_s: float = 6.0  # Singapore Green Man+: a card tap adds 3-13 s, 6 s on average
    advance_extra_max_s: float = 13.0


DEFAULT_TIMING = Timing()


@dataclass(frozen=True)
class CrossingSpec:
    crossing_id: str
    length_m: float
    lanes: int
    zone: str = Zone.general
    design_speed_mps: float | None = None  # None: the zone's

    @property
    def plan(self) -> ZonePlan:
        return ZONE_PLANS[self.zone]

    @property
    def speed_mps(self) -> float:
        return self.design_speed_mps or self.plan.design_speed_mps

    @property
    def walk_s(self) -> float:
        return self.plan.walk_s

    @property
    def floor_s(self) -> float:
        return self.length_m / self.speed_mps

    def cap_s(self, timing: Timing = DEFAULT_TIMING) -> float:
        return max(self.length_m / timing.cap_speed_mps, self.floor_s)


@dataclass(frozen=True)
class Policy:
    kind: str  # "adaptive" | "fixed"
    speed_mps: float | None = None  # fixed only

    @classmethod
    def fixed(cls, speed_mps: float) -> "Policy":
        return cls("fixed", speed_mps)

    @classmethod
    def adaptive(cls) -> "Policy":
        return cls("adaptive")

    @property
    def name(self) -> str:
        return "adaptive" if self.kind == "adaptive" else f"fixed {self.speed_mps:.1f} m/s"


# ---- inputs and outputs ----------------------------------------------------------------------------------


class Phase(StrEnum):
    vehicle_green = "vehicle_green"
    vehicle_amber = "vehicle_amber"
    walk = "walk"
    clearance = "clearance"
    all_red = "all_red"


NEXT_PHASE = {
    Phase.vehicle_green: Phase.vehicle_amber,
    Phase.vehicle_amber: Phase.walk,
    Phase.walk: Phase.clearance,
    Phase.clearance: Phase.all_red,
    Phase.all_red: Phase.vehicle_green,
}


@dataclass(frozen=True)
class WalkerObs:
    """One tracked walker on the crossing: distance walked from the kerb they entered at, estimated speed."""

    track_id: str
    position_m: float
    speed_mps: float | None
    observed_s: float


@dataclass(frozen=True)
class Observation:
    detector_ok: bool = True  # the detector's own status (False: it reports a fault)
    last_report_s: float | None = None  # when the detector last reported (None: never)
    kerb_waiting: int = 0
    walkers: tuple[WalkerObs, ...] = ()
    advance_extra_s: float = 0.0  # pending mobility-need requests (the largest extra asked)
    advance_requested_s: float | None = None  # when the latest of them was made


@dataclass
class ControllerState:
    phase: str = Phase.vehicle_green
    phase_started_s: float = 0.0
    cycle_no: int = 0
    request: bool = False
    request_source: str | None = None  # kerb | advance | recall
    request_at_s: float | None = None
    advance_extra_s: float = 0.0  # asked, not yet served
    advance_served_s: float | None = None  # requests made before this were served already
    cycle_extra_s: float = 0.0  # added to this cycle's walk and clearance floor
    fail_safe: bool = False  # this cycle runs the fixed plan
    last_occupied_s: float | None = None
    extended_tracks: list[str] = field(default_factory=list)
    planned_end_s: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict | None) -> "ControllerState":
        if not data:
            return cls()
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass(frozen=True)
class Event:
    kind: str  # request | request_cancelled | phase | extension | cap_reached | cycle_end | advance_served
    at_s: float
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    phase: str
    remaining_s: float | None  # None: vehicle green until a pedestrian asks
    cycle_no: int
    mode: str  # adaptive | fixed | fail_safe
    request: bool
    clearance_floor_s: float
    clearance_cap_s: float


@dataclass(frozen=True)
class StepResult:
    state: ControllerState
    decision: Decision
    events: list[Event]


# ---- the controller --------------------------------------------------------------------------------------


def detector_healthy(obs: Observation, now_s: float, timing: Timing = DEFAULT_TIMING) -> bool:
    return (obs.detector_ok and obs.last_report_s is not None
            and now_s - obs.last_report_s <= timing.detector_silence_s)


def walker_need_s(w: WalkerObs, *, length_m: float, now_s: float, timing: Timing = DEFAULT_TIMING) -> float:
    """Seconds this walker still needs to reach the far kerb, from their measured speed and remaining distance."""
    speed = timing.unknown_speed_mps if w.speed_mps is None else w.speed_mps
    speed_for_need = max(speed, timing.stopped_speed_mps)
    walked = w.position_m + speed * max(0.0, now_s - w.observed_s)  # extrapolate since the last point
    remaining = max(0.0, length_m - walked)
    return remaining / speed_for_need + timing.margin_s


class CrossingController:
    def __init__(self, spec: CrossingSpec, policy: Policy | None = None, timing: Timing = DEFAULT_TIMING):
        self.spec, self.policy, self.timing = spec, policy or Policy.adaptive(), timing

    # the clearance floor of this policy, before any mobility-need extra
    @property
    def floor_s(self) -> float:
        if self.policy.kind == "fixed":
            return self.spec.length_m / self.policy.speed_mps
        return self.spec.floor_s

    @property
    def cap_s(self) -> float:
        return max(self.spec.cap_s(self.timing), self.floor_s)

    def active_walkers(self, obs: Observation, now_s: float) -> list[WalkerObs]:
        return [w for w in obs.walkers
                if now_s - w.observed_s <= self.timing.track_stale_s and w.position_m < self.spec.length_m]

    def step(self, state: ControllerState, obs: Observation, now_s: float) -> StepResult:
        s = replace(state, extended_tracks=list(state.extended_tracks))
        events: list[Event] = []
        healthy = detector_healthy(obs, now_s, self.timing)
        self._catch_up(s, obs, now_s, healthy, events)
        self._update_requests(s, obs, now_s, healthy, events)
        self._catch_up(s, obs, now_s, healthy, events)
        end = self._phase_end(s, obs, now_s, healthy, events, log=True)
        s.planned_end_s = end
        mode = "fail_safe" if (s.fail_safe or not healthy) and self.policy.kind == "adaptive" else self.policy.kind
        decision = Decision(
            phase=str(s.phase), remaining_s=None if end is None else round(max(0.0, end - now_s), 3),
            cycle_no=s.cycle_no, mode=mode, request=s.request,
            clearance_floor_s=round(self.floor_s + s.cycle_extra_s, 3), clearance_cap_s=round(self.cap_s, 3),
        )
        return StepResult(s, decision, events)

    # -- requests ------------------------------------------------------------------------------------------

    def _update_requests(self, s, obs, now_s, healthy, events):
        fresh = s.advance_served_s is None or (obs.advance_requested_s or now_s) > s.advance_served_s
        if fresh and obs.advance_extra_s > s.advance_extra_s:
            s.advance_extra_s = min(obs.advance_extra_s, self.timing.advance_extra_max_s)
        if s.phase != Phase.vehicle_green:
            return
        if s.request:
            # Puffin: a kerb request is cancelled when the walker leaves before being served
            if s.request_source == "kerb" and healthy and obs.kerb_waiting == 0 and not s.advance_extra_s:
                s.request, s.request_source, s.request_at_s = False, None, None
                events.append(Event("request_cancelled", now_s, {"reason": "walker_left"}))
            return
        source = None
        if healthy and obs.kerb_waiting > 0:
            source = "kerb"
        elif s.advance_extra_s > 0:
            source = "advance"
        if source:
            s.request, s.request_source, s.request_at_s = True, source, now_s
            events.append(Event("request", now_s, {"source": source}))

    # -- phase timing --------------------------------------------------------------------------------------

    def _catch_up(self, s, obs, now_s, healthy, events):
        for _ in range(50):  # a long silence may span many cycles; bounded all the same
            end = self._phase_end(s, obs, now_s, healthy, events, log=False)
            if end is None or end > now_s:
                return
            self._enter_next(s, end, obs, healthy, events)

    def _phase_end(self, s, obs, now_s, healthy, events, *, log: bool) -> float | None:
        t = self.timing
        start = s.phase_started_s
        if s.phase == Phase.vehicle_green:
            if s.request:
                return max(start + t.min_vehicle_green_s, s.request_at_s or start)
            if not healthy:  # fail-safe: the fixed plan serves walkers every cycle
                return start + t.fixed_vehicle_green_s
            return None
        if s.phase == Phase.vehicle_amber:
            return start + t.amber_s
        if s.phase == Phase.walk:
            return start + self.spec.walk_s + s.cycle_extra_s
        if s.phase == Phase.all_red:
            return start + t.all_red_s
        return self._clearance_end(s, obs, now_s, healthy, events, log=log)

    def _clearance_end(self, s, obs, now_s, healthy, events, *, log: bool) -> float:
        t = self.timing
        start = s.phase_started_s
        floor_end = start + self.floor_s + s.cycle_extra_s
        if self.policy.kind == "fixed":
            return floor_end
        if s.fail_safe or not healthy:
            s.fail_safe = True  # once faulty within a clearance, finish it on the fixed plan
            return floor_end
        cap_end = start + max(self.cap_s, self.floor_s + s.cycle_extra_s)
        walkers = self.active_walkers(obs, now_s)
        if walkers:
            s.last_occupied_s = now_s
            needs = sorted(((walker_need_s(w, length_m=self.spec.length_m, now_s=now_s, timing=t), w)
                            for w in walkers), key=lambda nw: -nw[0])
            end = min(cap_end, max(start + t.min_clearance_s, now_s + needs[0][0]))
            if log:
                for need, w in needs:
                    if now_s + need > floor_end and w.track_id not in s.extended_tracks:
                        s.extended_tracks.append(w.track_id)
                        walked = w.position_m
                        events.append(Event("extension", now_s, {
                            "reason": "walker_stopped" if (w.speed_mps or 0) < t.stopped_speed_mps
                            and w.speed_mps is not None else "walker_on_crossing",
                            "track_id": w.track_id, "speed_mps": w.speed_mps,
                            "remaining_m": round(max(0.0, self.spec.length_m - walked), 2),
                            "extension_s": round(min(cap_end, now_s + need) - floor_end, 2),
                            "capped": now_s + need > cap_end,
                        }))
            return end
        last = s.last_occupied_s if s.last_occupied_s is not None else start
        return min(cap_end, max(start + t.min_clearance_s, last + t.gap_s))

    def _enter_next(self, s, at_s, obs, healthy, events):
        old = s.phase
        if old == Phase.clearance:
            clearance_s = at_s - s.phase_started_s
            floor = self.floor_s + s.cycle_extra_s
            walkers = self.active_walkers(obs, at_s) if healthy else []
            if self.policy.kind == "fixed":
                ended_by = "fixed"
            elif s.fail_safe:
                ended_by = "fail_safe"
            elif clearance_s >= self.cap_s - 1e-6 and walkers:
                ended_by = "cap"
                events.append(Event("cap_reached", at_s, {"walkers": [w.track_id for w in walkers]}))
            elif clearance_s < floor - 1e-6:
                ended_by = "gap_out"
            else:
                ended_by = "cleared"
            events.append(Event("cycle_end", at_s, {
                "cycle_no": s.cycle_no, "clearance_s": round(clearance_s, 3), "floor_s": round(floor, 3),
                "extended_s": round(max(0.0, clearance_s - floor), 3), "ended_by": ended_by,
                "mode": "fail_safe" if s.fail_safe else self.policy.kind, "extra_s": s.cycle_extra_s,
            }))
        nxt = NEXT_PHASE[Phase(old)]
        s.phase, s.phase_started_s = nxt, at_s
        if nxt == Phase.vehicle_amber and s.request_source is None:
            s.request_source = "recall"
        if nxt == Phase.walk:
            s.cycle_no += 1
            s.request, s.request_source, s.request_at_s = False, None, None
            s.cycle_extra_s = s.advance_extra_s
            if s.advance_extra_s:
                events.append(Event("advance_served", at_s, {"extra_s": s.advance_extra_s, "cycle_no": s.cycle_no}))
                events.append(Event("extension", at_s, {
                    "reason": "mobility_need_request", "track_id": None, "speed_mps": None, "remaining_m": None,
                    "extension_s": s.advance_extra_s, "capped": False}))
                s.advance_served_s = at_s
            s.advance_extra_s = 0.0
        if nxt == Phase.clearance:
            s.fail_safe = not healthy and self.policy.kind == "adaptive"
            s.last_occupied_s = None
            s.extended_tracks = []
        if nxt == Phase.vehicle_green:
            s.cycle_extra_s = 0.0
            s.fail_safe = False
        events.append(Event("phase", at_s, {"phase": str(nxt), "cycle_no": s.cycle_no}))
