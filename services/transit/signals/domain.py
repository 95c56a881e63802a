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
    # cap = length / this. POLICY (ours, no standard sets it): the flashing phase is held for walkers down to
    # 0.4 m/s, the lower bound of the slowest group we plan for (seniors 0.40-1.00 m/s, docs/SIGNALS.md);
    # anyone slower is still protected by the all-red hold below, which is logged.
    cap_speed_mps: float = 0.4
    cap_source: str = "policy: walkers down to 0.4 m/s (slowest senior bound in the scenarios), all-red beyond"
    all_red_hold_max_s: float = 30.0  # policy: the all-red hold after the cap ends here, logged as unresolved
    # added to a walker's predicted time to the kerb; the 2 s all-red follows (policy, calibrated on seeds 101-105:
    # 0.5 s -> 0 s cut general / arterial / school 13.17 / 23.30 / 11.18 -> 12.78 / 22.44 / 11.13 s/veh, 0 stranded)
    margin_s: float = 0.0
    # a walker the detector has lost (blind spot, missed frames, track drop) is held on its prediction, with
    # this share of its predicted walking time added for speed-estimate error
    unseen_margin_frac: float = 0.25
    kerb_noise_m: float = 0.3  # a walker reported this close to the far kerb, or past it, is taken this far off it
    kerb_band_m: float = 1.0  # a track standing this close to its kerb is waiting there, not crossing
    unseen_after_s: float = 1.5  # a walker not in the last report (1 s period + latency) counts as lost
    # during the all-red, a track the camera reported this recently is still on the crossing, whatever its
    # prediction: one frame period (1 s), one missed frame (1 s) and the latency (0.5 s). Policy, calibrated
    # on seeds 101-140 (see docs/SIGNALS.md)
    all_red_leave_s: float = 2.5
    unseen_max_s: float = 90.0  # a track unseen this long is forgotten, whatever its prediction
    presence_gap_s: float = 2.0  # presence-only baseline: ends this long after the last detection on the crossing
    blind_speed_mps: float = 0.5  # speed-blind variant of ours: every walker taken at this speed
    card_speed_mps: float = 0.5  # a registered slow walker's card tap plans the clearance at this speed
    stopped_speed_mps: float = 0.1  # a stopped walker is predicted at this speed, i.e. held to the cap
    unknown_speed_mps: float = 0.5  # a fresh track without a speed yet: assume a slow walker
    track_stale_s: float = 3.0  # a track not seen for this long has left the crossing
    detector_silence_s: float = 10.0  # no report for this long -> detector silent -> fail-safe
    advance_extra_s: float = 6.0  # Singapore Green Man+: a card tap adds 3-13 s, 6 s on average
    advance_extra_max_s: float = 13.0
    # ours: the walk (entry time) ends early, at no less than this, once nobody waits at either kerb and a
    # walker entering now would lengthen the red: i.e. when those already on are predicted off sooner than a
    # newcomer at walk_keep_speed_mps could cross. 4 s is the low end of the entry time (KNPA manual 4-7 s,
    # DOMAIN.md; UK Puffin invitation to cross 4-7 s). None: the walk is never shortened.
    min_walk_s: float | None = 4.0
    # a walker in the camera's view is found within this (85 %/s detection: 6 misses in a row 1e-5; 3 s
    # stranded walkers on the calibration seeds); a lost track whose walker, at the slow bound of its
    # prediction, has been in the cameras' view this long unfound (the rest of the near kerb's view, then the far
    # kerb's: ghost_after_s) is a ghost (policy; None: held on the prediction)
    reappear_s: float | None = 6.0
    walk_keep_speed_mps: float | None = None  # None: the crossing's design speed
    # ours, deciding whether to end the walk early: a walker without a measured speed yet is taken at this
    # (None: the crossing's design speed); the clearance still holds them at unknown_speed_mps until measured
    walk_unknown_speed_mps: float | None = None


DEFAULT_TIMING = Timing()


@dataclass(frozen=True)
class CrossingSpec:
    crossing_id: str
    length_m: float
    lanes: int
    zone: str = Zone.general
    design_speed_mps: float | None = None  # None: the zone's
    # how far onto the crossing the kerb cameras see from each kerb (None: not known; lost walkers are then
    # held on their prediction alone, never released for not being found again)
    view_from_kerb_m: float | None = None

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
    kind: str  # "adaptive" (ours) | "fixed" | "presence" (Puffin-style gap-out, speed unused)
    speed_mps: float | None = None  # fixed only
    speed_blind: bool = False  # adaptive only: every walker taken at Timing.blind_speed_mps

    @classmethod
    def fixed(cls, speed_mps: float) -> "Policy":
        return cls("fixed", speed_mps)

    @classmethod
    def adaptive(cls, *, speed_blind: bool = False) -> "Policy":
        return cls("adaptive", speed_blind=speed_blind)

    @classmethod
    def presence(cls) -> "Policy":
        return cls("presence")

    @property
    def name(self) -> str:
        if self.kind == "adaptive":
            return "ours speed-blind" if self.speed_blind else "ours"
        if self.kind == "presence":
            return "presence gap-out"
        return f"fixed {self.speed_mps:.1f} m/s"


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
    card_tap: bool = False  # a registered slow walker tapped their card at the kerb (Green Man+)


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
    announced_clearance_s: float | None = None  # set at the start of flashing from the slowest detected walker
    card_floor_s: float = 0.0  # this cycle serves a registered walker's card tap: clearance at least this
    all_red_hold: bool = False  # the cap ended the clearance with someone still on: all-red until they are off
    card_pending: bool = False  # a card tap not yet served

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
    announced_clearance_s: float | None = None  # shown to drivers at the start of flashing


@dataclass(frozen=True)
class StepResult:
    state: ControllerState
    decision: Decision
    events: list[Event]


# ---- detector points: what is usable, and why not -------------------------------------------------------

POSITION_SLACK_M = 2.0  # a point this far beyond either kerb is a detector error, not a walker
FUTURE_SLACK_S = 5.0  # detector clocks drift a little, not more
MAX_WALKER_SPEED_MPS = 3.0  # faster than any walker (speeds.MAX_PLAUSIBLE_SPEED_MPS)
JUMP_NOISE_M = 1.0  # position noise allowed on top of the fastest walk between two points


@dataclass(frozen=True)
class PointIn:
    t_s: float
    position_m: float
    speed_mps: float | None = None  # when the detector reports one


@dataclass(frozen=True)
class PointRejection:
    index: int
    reason: str  # position_not_finite | position_outside_crossing | time_in_future | duplicate_time
    #              | speed_not_finite | speed_impossible | implied_speed_impossible
    detail: str


def _finite(x: float) -> bool:
    return x == x and x not in (float("inf"), float("-inf"))


def screen_points(points: list[PointIn], *, length_m: float, now_s: float) -> tuple[list[PointIn], list[PointRejection]]:
    """One track's points: those a walker could have made, and for each other one the reason it is not."""
    kept: list[PointIn] = []
    rejected: list[PointRejection] = []
    seen_t: set[float] = set()
    for i, p in sorted(enumerate(points), key=lambda ip: ip[1].t_s):
        reason = detail = None
        if not _finite(p.position_m):
            reason, detail = "position_not_finite", f"position_m = {p.position_m}"
        elif not -POSITION_SLACK_M <= p.position_m <= length_m + POSITION_SLACK_M:
            reason, detail = "position_outside_crossing", f"{p.position_m} m on a {length_m} m crossing"
        elif p.t_s > now_s + FUTURE_SLACK_S:
            reason, detail = "time_in_future", f"{p.t_s - now_s:.1f} s ahead of the server clock"
        elif p.t_s in seen_t:
            reason, detail = "duplicate_time", "another point of this track has the same time"
        elif p.speed_mps is not None and not _finite(p.speed_mps):
            reason, detail = "speed_not_finite", f"speed_mps = {p.speed_mps}"
        elif p.speed_mps is not None and not 0.0 <= p.speed_mps <= MAX_WALKER_SPEED_MPS:
            reason, detail = "speed_impossible", f"{p.speed_mps} m/s is not a walking speed (0-{MAX_WALKER_SPEED_MPS})"
        elif kept and abs(p.position_m - kept[-1].position_m) > (
                MAX_WALKER_SPEED_MPS * (p.t_s - kept[-1].t_s) + JUMP_NOISE_M):
            dt = p.t_s - kept[-1].t_s
            reason, detail = "implied_speed_impossible", (
                f"{abs(p.position_m - kept[-1].position_m):.1f} m in {dt:.2f} s since the previous point")
        if reason:
            rejected.append(PointRejection(i, reason, detail))
        else:
            kept.append(p)
            seen_t.add(p.t_s)
    rejected.sort(key=lambda r: r.index)
    return kept, rejected


# ---- the controller --------------------------------------------------------------------------------------


def detector_healthy(obs: Observation, now_s: float, timing: Timing = DEFAULT_TIMING) -> bool:
    return (obs.detector_ok and obs.last_report_s is not None
            and now_s - obs.last_report_s <= timing.detector_silence_s)


def walker_speed_mps(w: WalkerObs, timing: Timing = DEFAULT_TIMING, *, speed_blind: bool = False) -> float:
    if speed_blind:
        return timing.blind_speed_mps
    return timing.unknown_speed_mps if w.speed_mps is None else w.speed_mps


def walker_need_s(w: WalkerObs, *, length_m: float, now_s: float, timing: Timing = DEFAULT_TIMING,
                  speed_blind: bool = False, view_m: float | None = None) -> float:
    """Seconds this walker still needs to reach the far kerb, from their measured speed and remaining distance.

    Predicted from the last point the detector gave: while it is fresh, remaining / speed + margin; once the
    walker is lost (blind spot, missed frames), the prediction carries a share for speed error on top, so
    the hold through the gap covers a walker a little slower than measured.

    With the camera's coverage known (`view_m` of the crossing seen from each kerb), a lost walker must be
    found again in the far kerb's view: walking even at that slower bound they are in it by a predictable
    time, and a walker in view is found (again, under a new id if need be, which then holds on its own) within
    `reappear_s`. A lost track not found by then is a ghost -- its walker was re-identified as someone else,
    or left -- and stops holding the light."""
    speed = walker_speed_mps(w, timing, speed_blind=speed_blind)
    unseen_s = max(0.0, now_s - w.observed_s)
    lost = unseen_s > timing.unseen_after_s
    # in view, a stopped walker is held (to the cap, then all-red); lost from view, a walker is predicted
    # walking at no less than the cap speed, the slowest the policy plans for
    speed_for_need = max(speed, timing.cap_speed_mps if lost else timing.stopped_speed_mps)
    # the detector reports only people on the crossing: one seen at (noise) or past the far kerb still has a step
    remaining_at_obs = max(timing.kerb_noise_m, length_m - w.position_m)
    walk_s = remaining_at_obs / speed_for_need
    slack = timing.unseen_margin_frac * walk_s if lost else 0.0
    need = walk_s + slack + timing.margin_s
    if lost and view_m is not None and timing.reappear_s is not None:
        slow_mps = speed_for_need / (1.0 + timing.unseen_margin_frac)
        need = min(need, ghost_after_s(w.position_m, length_m=length_m, view_m=view_m, slow_mps=slow_mps,
                                       timing=timing))
    return max(0.0, need - unseen_s)


def ghost_after_s(position_m: float, *, length_m: float, view_m: float, slow_mps: float,
                  timing: Timing = DEFAULT_TIMING) -> float:
    """Seconds after a walker was last seen at `position_m` (walked from their kerb) by which, walking at any
    speed of at least `slow_mps`, they have spent `reappear_s` in the cameras' view: the rest of the near
    kerb's view, then the far kerb's. Found by then they would have been (under a new id if need be, which
    then holds on its own); a track not found is a ghost.

    The walker hidden longest is the one who crosses the blind middle exactly now: at speed v = hidden / T
    they were in the near view for near / v = near * T / hidden seconds. So with `near` metres of the near
    view left and `hidden` metres to the far view (each taken `kerb_noise_m` against us), the time is
    reappear * hidden / near while the slow bound is still in the near view that long, else
    reappear + (hidden - near) / slow_mps (the slow bound walks the near view, the blind middle, then is
    seen for the rest in the far view)."""
    reappear = timing.reappear_s
    near = max(0.0, view_m - position_m - timing.kerb_noise_m)
    hidden = max(0.0, length_m - view_m - position_m)
    if hidden <= near:  # the two views meet: there is nowhere to hide
        return reappear
    if near / slow_mps > reappear:
        return reappear * hidden / near
    return reappear + (hidden - near) / slow_mps


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
        """Walkers the policy holds the crossing for. Ours: every track whose predicted exit is still ahead
        (held through detection gaps on that prediction). Presence-only: tracks detected within its gap."""
        t = self.timing
        if self.policy.kind == "presence":
            return [w for w in obs.walkers
                    if now_s - w.observed_s <= t.presence_gap_s and w.position_m < self.spec.length_m]
        if self.policy.kind == "fixed":
            return [w for w in obs.walkers
                    if now_s - w.observed_s <= t.track_stale_s and w.position_m < self.spec.length_m]
        # a track the detector still reports is on the crossing, even at a (noisy) position past the far kerb
        return [w for w in obs.walkers
                if now_s - w.observed_s <= t.unseen_max_s
                and (w.position_m < self.spec.length_m or now_s - w.observed_s <= t.unseen_after_s)
                and not self._waiting_at_kerb(w, now_s)
                and self.need_s(w, now_s) > 0.0]

    def _waiting_at_kerb(self, w: WalkerObs, now_s: float) -> bool:
        """At the kerb edge and not walking (standing, or lost there with no sign of walking): the kerb
        camera sees that spot, so a walker who does cross is found again further on."""
        t = self.timing
        if w.position_m >= t.kerb_band_m:
            return False
        standing = w.speed_mps is not None and w.speed_mps < t.stopped_speed_mps
        lost_unproven = w.speed_mps is None and now_s - w.observed_s > t.unseen_after_s
        return standing or lost_unproven

    def need_s(self, w: WalkerObs, now_s: float) -> float:
        return walker_need_s(w, length_m=self.spec.length_m, now_s=now_s, timing=self.timing,
                             speed_blind=self.policy.speed_blind, view_m=self.spec.view_from_kerb_m)

    def step(self, state: ControllerState, obs: Observation, now_s: float) -> StepResult:
        s = replace(state, extended_tracks=list(state.extended_tracks))
        events: list[Event] = []
        healthy = detector_healthy(obs, now_s, self.timing)
        self._catch_up(s, obs, now_s, healthy, events)
        self._update_requests(s, obs, now_s, healthy, events)
        self._catch_up(s, obs, now_s, healthy, events)
        end = self._phase_end(s, obs, now_s, healthy, events, log=True)
        s.planned_end_s = end
        mode = "fail_safe" if (s.fail_safe or not healthy) and self.policy.kind != "fixed" else self.policy.kind
        decision = Decision(
            phase=str(s.phase), remaining_s=None if end is None else round(max(0.0, end - now_s), 3),
            cycle_no=s.cycle_no, mode=mode, request=s.request,
            clearance_floor_s=round(self.floor_s + s.cycle_extra_s, 3), clearance_cap_s=round(self.cap_s, 3),
            announced_clearance_s=s.announced_clearance_s,
        )
        return StepResult(s, decision, events)

    # -- requests ------------------------------------------------------------------------------------------

    def _update_requests(self, s, obs, now_s, healthy, events):
        fresh = s.advance_served_s is None or (obs.advance_requested_s or now_s) > s.advance_served_s
        if fresh and obs.advance_extra_s > s.advance_extra_s:
            s.advance_extra_s = min(obs.advance_extra_s, self.timing.advance_extra_max_s)
        if obs.card_tap and self.policy.kind == "adaptive" and not s.card_pending:
            s.card_pending = True
            events.append(Event("card_tap", now_s, {}))
        if s.phase != Phase.vehicle_green:
            return
        if s.request:
            # Puffin: a kerb request is cancelled when the walker leaves before being served
            if (s.request_source == "kerb" and healthy and obs.kerb_waiting == 0 and not s.advance_extra_s
                    and not s.card_pending):
                s.request, s.request_source, s.request_at_s = False, None, None
                events.append(Event("request_cancelled", now_s, {"reason": "walker_left"}))
            return
        source = None
        if healthy and obs.kerb_waiting > 0:
            source = "kerb"
        elif s.advance_extra_s > 0:
            source = "advance"
        elif s.card_pending:
            source = "card"
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
            full = start + self.spec.walk_s + s.cycle_extra_s
            early = self._walk_early_end(s, obs, now_s, healthy)
            return full if early is None else min(full, early)
        if s.phase == Phase.all_red:
            if not healthy:
                return start + t.all_red_s
            if not s.all_red_hold:
                # ours: a walker found on the crossing during the all-red (a late report, a track found again)
                # holds it as the cap's hold does, logged
                found = self._all_red_walkers(obs, s, now_s) if self.policy.kind == "adaptive" else []
                # a hold only when it lengthens the all-red: a walker reported stepping off the far kerb within
                # the 2 s is what the all-red is for
                if not found or now_s + max(self._all_red_need_s(w, s, now_s) for w in found) <= start + t.all_red_s:
                    return start + t.all_red_s
                if log:
                    s.all_red_hold = True
                    s.last_occupied_s = now_s
                    events.append(Event("all_red_hold", now_s, {
                        "walkers": [w.track_id for w in found], "reason": "found_during_all_red",
                        "need_s": round(max(self._all_red_need_s(w, s, now_s) for w in found), 2)}))
            walkers = self._all_red_walkers(obs, s, now_s)
            if walkers:
                s.last_occupied_s = now_s
                held_to = now_s + max(self._all_red_need_s(w, s, now_s) for w in walkers)
            else:
                held_to = s.last_occupied_s if s.last_occupied_s is not None else start
            return max(start + t.all_red_s, min(start + t.all_red_hold_max_s, held_to))
        return self._clearance_end(s, obs, now_s, healthy, events, log=log)

    def _all_red_walkers(self, obs: Observation, s: ControllerState, now_s: float) -> list[WalkerObs]:
        """During the all-red, ours holds for every walker predicted on the crossing and for every track the
        camera has reported there since the all-red began, whatever its prediction says: a noisy point near
        the far kerb, or a walker stopping a step short of it, makes a prediction wrong (seen on calibration
        seeds), and the camera's word then beats it."""
        active = self.active_walkers(obs, now_s)
        ids = {w.track_id for w in active}
        return active + [w for w in obs.walkers if w.track_id not in ids and w.observed_s >= s.phase_started_s
                         and not self._waiting_at_kerb(w, now_s)]

    def _all_red_need_s(self, w: WalkerObs, s: ControllerState, now_s: float) -> float:
        """A walker the camera reported on the crossing during the all-red is held until predicted off and
        until the camera has stopped reporting them for `all_red_leave_s`: seen to leave, not predicted to."""
        need = self.need_s(w, now_s)
        if w.observed_s >= s.phase_started_s:
            need = max(need, w.observed_s + self.timing.all_red_leave_s - now_s)
        return need

    def _walk_early_end(self, s, obs, now_s, healthy) -> float | None:
        """Ours only: the walk ends once its entry minimum has passed, nobody waits at a kerb, and a walker
        who stepped on now (at the keep speed) would be off later than everyone already on is predicted to
        be -- so letting more in would cost drivers red time. While a slow walker is on, latecomers cross
        within the red they already hold, and the walk stays open. Not for a cycle serving a card tap or a
        mobility-need request (their full entry time is promised), nor on the fail-safe plan."""
        t = self.timing
        if (self.policy.kind != "adaptive" or t.min_walk_s is None or not healthy or s.fail_safe
                or s.cycle_extra_s or s.card_floor_s or obs.kerb_waiting > 0):
            return None
        earliest = s.phase_started_s + t.min_walk_s
        if now_s < earliest:
            return None
        newcomer_s, on_s = self._walk_needs(obs, now_s)
        return now_s if newcomer_s > on_s else None

    def _walk_needs(self, obs, now_s) -> tuple[float, float]:
        """(time a newcomer stepping on now would need at the keep speed, time until everyone on is predicted
        off). A walker whose speed is not measured yet is taken at the design speed here: the walk's end only
        stops newcomers, and the clearance still holds that walker at the slow assumption until measured."""
        t = self.timing
        keep_speed = t.walk_keep_speed_mps or self.spec.speed_mps
        newcomer_s = self.spec.length_m / keep_speed + t.margin_s
        unknown = t.walk_unknown_speed_mps or self.spec.speed_mps
        on_s = max((self.need_s(w if w.speed_mps is not None else replace(w, speed_mps=unknown), now_s)
                    for w in self.active_walkers(obs, now_s)), default=0.0)
        return newcomer_s, on_s

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
        min_end = start + max(t.min_clearance_s, s.card_floor_s)
        walkers = self.active_walkers(obs, now_s)
        if walkers:
            s.last_occupied_s = now_s
            if self.policy.kind == "presence":  # holds while detected, ends presence_gap_s after the last
                return min(cap_end, max(min_end, now_s + t.presence_gap_s))
            needs = sorted(((self.need_s(w, now_s), w) for w in walkers), key=lambda nw: -nw[0])
            end = min(cap_end, max(min_end, now_s + needs[0][0]))
            if log:
                for need, w in needs:
                    if now_s + need > floor_end and w.track_id not in s.extended_tracks:
                        s.extended_tracks.append(w.track_id)
                        events.append(Event("extension", now_s, {
                            "reason": "walker_stopped" if (w.speed_mps or 0) < t.stopped_speed_mps
                            and w.speed_mps is not None else "walker_on_crossing",
                            "track_id": w.track_id, "speed_mps": w.speed_mps,
                            "remaining_m": round(max(0.0, self.spec.length_m - w.position_m), 2),
                            "extension_s": round(min(cap_end, now_s + need) - floor_end, 2),
                            "capped": now_s + need > cap_end,
                            "unseen_s": round(max(0.0, now_s - w.observed_s), 2),
                        }))
            return end
        if self.policy.kind == "presence":
            last = s.last_occupied_s + t.presence_gap_s if s.last_occupied_s is not None else start
        else:
            last = s.last_occupied_s if s.last_occupied_s is not None else start
        return min(cap_end, max(min_end, last))

    def _announce(self, s, obs, at_s, healthy, events):
        """At the start of flashing: the clearance drivers are shown, from the slowest detected walker."""
        t = self.timing
        walkers = self.active_walkers(obs, at_s) if healthy else []
        floor = max(t.min_clearance_s, s.card_floor_s)
        slowest = max(walkers, key=lambda w: self.need_s(w, at_s), default=None)
        need = self.need_s(slowest, at_s) if slowest else 0.0
        s.announced_clearance_s = round(min(max(self.cap_s, self.floor_s + s.cycle_extra_s), max(floor, need)), 3)
        events.append(Event("clearance_set", at_s, {
            "clearance_s": s.announced_clearance_s, "walkers": len(walkers),
            "slowest_track": slowest.track_id if slowest else None,
            "slowest_speed_mps": None if slowest is None else round(
                walker_speed_mps(slowest, t, speed_blind=self.policy.speed_blind), 3),
            "card_floor_s": s.card_floor_s}))

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
                if self.policy.kind == "adaptive" and healthy:
                    s.all_red_hold = True
                    s.last_occupied_s = at_s
                    events.append(Event("all_red_hold", at_s, {
                        "walkers": [w.track_id for w in walkers], "reason": "cap",
                        "need_s": round(max(self.need_s(w, at_s) for w in walkers), 2)}))
            elif clearance_s < floor - 1e-6:
                ended_by = "gap_out"
            else:
                ended_by = "cleared"
            events.append(Event("cycle_end", at_s, {
                "cycle_no": s.cycle_no, "clearance_s": round(clearance_s, 3), "floor_s": round(floor, 3),
                "extended_s": round(max(0.0, clearance_s - floor), 3), "ended_by": ended_by,
                "mode": "fail_safe" if s.fail_safe else self.policy.kind, "extra_s": s.cycle_extra_s,
                "announced_s": s.announced_clearance_s, "card_floor_s": s.card_floor_s,
            }))
        if old == Phase.all_red and s.all_red_hold:
            held = at_s - s.phase_started_s
            events.append(Event("all_red_hold_end", at_s, {
                "held_s": round(held, 3), "resolved": held < self.timing.all_red_hold_max_s - 1e-6}))
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
            s.card_floor_s = 0.0
            if s.card_pending:  # a registered slow walker: their time is given whether detected or not
                # they start with the walk: the clearance must cover the rest of the crossing at the card speed
                s.card_floor_s = min(self.cap_s, self.spec.length_m / self.timing.card_speed_mps
                                     - self.spec.walk_s - s.cycle_extra_s)
                s.card_pending = False
                events.append(Event("extension", at_s, {
                    "reason": "card_tap", "track_id": None, "speed_mps": self.timing.card_speed_mps,
                    "remaining_m": None, "extension_s": round(max(0.0, s.card_floor_s - self.floor_s), 2),
                    "capped": False}))
        if nxt == Phase.clearance:
            s.fail_safe = not healthy and self.policy.kind != "fixed"
            s.last_occupied_s = None
            s.extended_tracks = []
            s.announced_clearance_s = None
            if self.policy.kind == "adaptive":
                self._announce(s, obs, at_s, healthy, events)
        if nxt == Phase.vehicle_green:
            s.cycle_extra_s = 0.0
            s.fail_safe = False
            s.all_red_hold = False
            s.card_floor_s = 0.0
        events.append(Event("phase", at_s, {"phase": str(nxt), "cycle_no": s.cycle_no}))
