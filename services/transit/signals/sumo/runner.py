"""Runs one scenario seed in libsumo under one policy. Our policies (and the presence-only and fixed
baselines) are the service's own CrossingController driving the SUMO light; SUMO's actuated program runs as
SUMO's own tlLogic. Both see the walkers only through the detector model (detector.py)."""

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from services.transit.signals import speeds
from services.transit.signals.domain import (
    ControllerState,
    CrossingController,
    CrossingSpec,
    Observation,
    Phase,
    Policy,
    Timing,
    WalkerObs,
)
from services.transit.signals.sumo.detector import Detector, Report, walked_points
from services.transit.signals.sumo.scenario import (
    CROSSING_EDGE,
    KERB_AREAS,
    PERFECT,
    TLS_ID,
    DetectorParams,
    Scenario,
)

SUMO_ACTUATED = "SUMO actuated"
SUMO_MAX_GAP_S = 3.0  # SUMO's default max-gap for actuated programs
POINTS_KEPT = 12
USE_WHOLE = False
ORPHAN_POINTS = 8
EXIT_BAND_M = 0.3  # a track last seen this close to the far kerb, then gone, has left the crossing


@dataclass
class RunResult:
    policy: str
    seed: int
    scenario: str = ""
    detection: str = "perfect"
    stranded: int = 0
    stranded_by_group: dict[str, int] = field(default_factory=dict)
    cycles: int = 0
    clearances_s: list[float] = field(default_factory=list)
    announce_error_s: list[float] = field(default_factory=list)  # |clearance given - clearance announced|
    vehicle_time_loss_s: float = 0.0  # mean per vehicle
    vehicles: int = 0
    pedestrian_wait_s: float = 0.0  # mean kerb wait per walker who crossed
    walkers_crossed: int = 0
    extensions: int = 0
    cap_reached: int = 0
    all_red_holds: int = 0
    all_red_held_s: float = 0.0
    card_taps: int = 0
    detector_misses: int = 0
    track_drops: int = 0
    id_switches: int = 0
    sim_s: float = 0.0
    wall_s: float = 0.0

    @property
    def mean_clearance_s(self) -> float:
        return float(np.mean(self.clearances_s)) if self.clearances_s else 0.0

    @property
    def max_clearance_s(self) -> float:
        return float(max(self.clearances_s)) if self.clearances_s else 0.0

    def summary(self) -> dict:
        d = asdict(self)
        d.pop("clearances_s")
        d.pop("announce_error_s")
        d.update(mean_clearance_s=self.mean_clearance_s, max_clearance_s=self.max_clearance_s,
                 mean_announce_error_s=float(np.mean(self.announce_error_s)) if self.announce_error_s else None)
        return d


def _states(n_links: int, crossing_links: set[int]) -> dict[str, str]:
    def state(vehicle: str, walker: str) -> str:
        return "".join(walker if i in crossing_links else vehicle for i in range(n_links))

    return {
        Phase.vehicle_green: state("G", "r"),
        Phase.vehicle_amber: state("y", "r"),
        Phase.walk: state("r", "G"),
        Phase.clearance: state("r", "r"),  # flashing green: nobody new may enter; those on it keep walking
        Phase.all_red: state("r", "r"),
    }


def _sumo_args(scenario: Scenario, *, step_s: float, tripinfo: Path | None,
               additional: Path | None = None) -> list[str]:
    args = ["sumo", "-n", str(scenario.net_file), "-r", str(scenario.route_file), "--step-length", str(step_s),
            "--seed", str(scenario.seed), "--no-step-log", "true", "--no-warnings", "true",
            "--duration-log.disable", "true", "--end", str(scenario.config.duration_s),
            "--pedestrian.striping.dawdling", str(scenario.config.dawdling)]
    if additional is not None:
        args += ["-a", str(additional)]
    if tripinfo is not None:
        args += ["--tripinfo-output", str(tripinfo), "--tripinfo-output.write-unfinished", "true"]
    return args


def _time_loss(tripinfo: Path) -> tuple[float, int]:
    import sumolib

    losses = [float(t.timeLoss) for t in sumolib.xml.parse_fast(str(tripinfo), "tripinfo", ["id", "timeLoss"])]
    return (float(np.mean(losses)) if losses else 0.0), len(losses)


def _finish(result: "RunResult", *, started: float, tripinfo: Path, truth: "_Truth", detector: Detector) -> "RunResult":
    """The run's figures once SUMO has closed: vehicle time loss from its tripinfo, the walkers' from the
    truth, the faults the detector model made."""
    result.wall_s = time.perf_counter() - started
    result.vehicle_time_loss_s, result.vehicles = _time_loss(tripinfo)
    result.walkers_crossed = len(truth.crossed)
    result.pedestrian_wait_s = truth.wait_s / max(1, len(truth.crossed))
    result.detector_misses, result.track_drops, result.id_switches = detector.misses, detector.drops, detector.switches
    return result


class _Truth:
    """Reads SUMO each step: who is on the crossing (position from the south kerb) and in the kerb zones."""

    def __init__(self, traci, scenario: Scenario):
        self.traci, self.scenario = traci, scenario
        self.crossed: set[str] = set()
        self.wait_s = 0.0

    def read(self, step_s: float) -> tuple[dict[str, float], dict[str, tuple[str, float]]]:
        t = self.traci
        crossing = {p: t.person.getLanePosition(p) for p in t.edge.getLastStepPersonIDs(CROSSING_EDGE)}
        self.crossed.update(crossing)
        kerb = {}
        for area, side in KERB_AREAS.items():
            for p in t.edge.getLastStepPersonIDs(area):
                v = t.person.getSpeed(p)
                kerb[p] = (side, v)
                if v < 0.1 and p not in self.crossed:
                    self.wait_s += step_s
        return crossing, kerb

    def stranded(self, result: RunResult) -> None:
        on = self.traci.edge.getLastStepPersonIDs(CROSSING_EDGE)
        result.stranded += len(on)
        for p in on:
            g = self.scenario.walker_groups.get(p, "?")
            result.stranded_by_group[g] = result.stranded_by_group.get(g, 0) + 1


class _Tracks:
    """The controller side of the detector link, as the service keeps it: each track's recent points,
    its speed (speeds.py), when it was last seen; forgotten once it reached the far kerb or long unseen.

    A track that appears mid-crossing with no kerb of its own (the detector dropped or switched an id) is
    joined to the lost track whose predicted position it is at: the prediction is made with the measured
    speed (with the assumed one in the speed-blind variant), so the walker keeps their direction and speed."""

    def __init__(self, length_m: float, timing: Timing, *, speed_blind: bool = False):
        self.length_m, self.timing, self.speed_blind = length_m, timing, speed_blind
        self.raw: dict[str, list[tuple[float, float]]] = {}
        self.origin: dict[str, str | None] = {}
        self.orphans: set[str] = set()  # tracks that appeared mid-crossing in this report
        self.joined: dict[str, tuple] = {}  # joined to a lost track, not yet confirmed by their own motion
        self.kerb_waiting = 0
        self.last_report_s: float | None = None
        self.walkers: tuple[WalkerObs, ...] = ()

    def apply(self, report: Report, now_s: float) -> None:
        self.last_report_s = now_s
        self.kerb_waiting = report.kerb_waiting
        for tid, x in report.tracks.items():
            if tid not in self.raw and tid not in report.origins:
                self.orphans.add(tid)
            pts = self.raw.setdefault(tid, [])
            pts.append((report.observed_s, x))
            del pts[:-POINTS_KEPT]
            if tid in report.origins:
                self.origin[tid] = report.origins[tid]
        self._join_orphans(report)
        out = []
        for tid, pts in list(self.raw.items()):
            walked = walked_points(pts, self.origin.get(tid), self.length_m)
            last_t, last_x = walked[-1]
            # the detector reports only people on the crossing: a track is done once it reached the far kerb
            # and then went out of the reports (one noisy point at the kerb is not an exit)
            unseen = report.observed_s - last_t
            if ((last_x >= self.length_m - EXIT_BAND_M and unseen > self.timing.unseen_after_s)
                    or unseen > self.timing.unseen_max_s):
                del self.raw[tid]
                self.origin.pop(tid, None)
                continue
            out.append(WalkerObs(tid, last_x, self._speed(walked, last_t), last_t))
        self.walkers = tuple(out)

    @staticmethod
    def _speed(walked, last_t) -> float | None:
        # 6 s window, 2 s span at least: two noisy points a second apart say little about a slow walker;
        # and the lower of that and the whole track's pace, so one fast-looking stretch does not rush them
        recent = speeds.current_speed(walked, now=last_t, window_s=6.0, min_span_s=2.0)
        if recent is None:
            return None
        whole = speeds.current_speed(walked, now=last_t, window_s=60.0, min_span_s=2.0)
        return recent if whole is None or not USE_WHOLE else min(recent, whole)

    def _join_orphans(self, report: Report) -> None:
        """A track that appeared mid-crossing (the detector dropped or switched an id) is joined to the lost
        track whose prediction its first point matches, closest pairs first (in a crowd, first come first
        served would give a walker someone else's past). The join is checked once the track has moved: a
        walker coming the other way gives the lost track back and goes on as their own."""
        for tid, (lost, pre, origin, north) in list(self.joined.items()):
            pts = self.raw.get(tid)
            if pts is None:
                del self.joined[tid]
                continue
            post = [p for p in pts if p[0] > pre[-1][0]]
            slope = speeds.theil_sen_slope(post) if len(post) >= 2 else None
            if slope is None or abs(slope * (post[-1][0] - post[0][0])) < 0.3:
                if len(post) > ORPHAN_POINTS:
                    del self.joined[tid]
                continue
            del self.joined[tid]
            if (slope > 0) != north:  # wrong walker: split them again
                self.raw[lost], self.origin[lost] = pre, origin
                self.raw[tid], self.origin[tid] = post, None
        pairs = []
        for tid in list(self.orphans):
            self.orphans.discard(tid)
            pts = self.raw.get(tid)
            if pts:
                pairs += [(d, tid, lost, north) for lost, d, north in self._candidates(pts, report)]
        used: set[str] = set()
        for _, tid, lost, north in sorted(pairs):
            if tid in used or lost in used or lost not in self.raw:
                continue
            used.update((tid, lost))
            pre, origin = self.raw.pop(lost), self.origin.pop(lost, None)
            self.joined[tid] = (lost, pre, origin, north)
            self.raw[tid] = sorted(pre + self.raw[tid])[-POINTS_KEPT:]
            self.origin[tid] = origin

    def _candidates(self, orphan: list[tuple[float, float]], report: Report) -> list[tuple[str, float, bool]]:
        """Lost tracks whose prediction the orphan's first point is at: (id, distance, heading north)."""
        t0, x0 = orphan[0]
        out = []
        for tid, pts in self.raw.items():
            if tid in report.tracks or tid in self.orphans or pts[-1][0] >= t0:
                continue
            if self.origin.get(tid) is None and len(pts) < 2:
                continue
            walked = walked_points(pts, self.origin.get(tid), self.length_m)
            heading_north = walked[0][1] == pts[0][1]  # walked equals the south frame: they started south
            last_t, last_x = walked[-1]
            speed = self._speed(walked, last_t)
            dt = t0 - last_t
            if self.speed_blind:
                v = self.timing.blind_speed_mps
                lo, hi = last_x + v * dt - 1.0 - 0.3 * v * dt, last_x + v * dt + 1.0 + 0.3 * v * dt
            elif speed is None:  # any walking speed will do: a wide window
                lo, hi = last_x + (self.timing.cap_speed_mps * dt - 1.0), last_x + 1.8 * dt + 1.0
            else:
                lo, hi = last_x + speed * dt - 1.0 - 0.3 * speed * dt, last_x + speed * dt + 1.0 + 0.3 * speed * dt
            x_walked = x0 if heading_north else self.length_m - x0
            if lo <= x_walked <= hi:
                out.append((tid, abs(x_walked - (lo + hi) / 2), heading_north))
        return out


def _card_taps(scenario: Scenario, kerb: dict[str, tuple[str, float]], tapped: set[str]) -> bool:
    """A registered card holder standing at the kerb taps once (a reader, not the camera: no faults)."""
    new = [p for p, (_, v) in kerb.items() if p in scenario.card_holders and v < 0.2 and p not in tapped]
    tapped.update(new)
    return bool(new)


def run(scenario: Scenario, policy: Policy, *, detection: DetectorParams = PERFECT, step_s: float = 0.5,
        timing: Timing | None = None, tag: str = "perfect") -> RunResult:
    """One run of the service's controller under `policy`, fed by the detector model with `detection`.
    Fixed plans are push-button (a walker standing at the kerb has pressed it): no camera involved."""
    import libsumo as traci

    timing = timing or Timing()
    result = RunResult(policy=policy.name, seed=scenario.seed, scenario=scenario.config.name, detection=tag)
    safe = policy.name.replace(" ", "_").replace("/", "").replace(".", "")
    tripinfo = scenario.workdir / f"tripinfo-{scenario.config.name}-{scenario.seed}-{safe}-{tag}.xml"
    rng = np.random.default_rng(10_000 + scenario.seed)
    traci.start(_sumo_args(scenario, step_s=step_s, tripinfo=tripinfo))
    started = time.perf_counter()
    try:
        length_m = traci.lane.getLength(f"{CROSSING_EDGE}_0")
        links = traci.trafficlight.getControlledLinks(TLS_ID)
        crossing_links = {i for i, group in enumerate(links) if group and group[0][1].startswith(":C_c")}
        states = _states(len(links), crossing_links)
        # the camera geometry is the operator's to know (not the faults): ours may use it
        spec = CrossingSpec("sumo-C", length_m=length_m, lanes=scenario.config.lanes, zone=scenario.config.zone,
                            view_from_kerb_m=detection.fov_from_kerb_m if detection.fov_from_kerb_m is not None
                            else length_m)
        controller = CrossingController(spec, policy, timing)
        state = ControllerState(phase=Phase.vehicle_green, phase_started_s=0.0)
        traci.trafficlight.setRedYellowGreenState(TLS_ID, states[Phase.vehicle_green])
        truth = _Truth(traci, scenario)
        detector = Detector(detection, length_m, rng)
        tracks = _Tracks(length_m, timing, speed_blind=policy.speed_blind)
        tapped: set[str] = set()
        last_frame = -1e9
        push_button = 0
        end = scenario.config.duration_s
        while traci.simulation.getTime() < end:
            traci.simulationStep()
            now = traci.simulation.getTime()
            crossing, kerb = truth.read(step_s)
            card = _card_taps(scenario, kerb, tapped)
            if policy.kind == "fixed":
                push_button = sum(1 for _, v in kerb.values() if v < 0.1)
                obs = Observation(detector_ok=True, last_report_s=now, kerb_waiting=push_button)
            else:
                if now - last_frame >= detection.period_s - 1e-9:
                    last_frame = now
                    detector.observe(now, crossing=crossing, kerb=kerb)
                for report in detector.deliver(now):
                    tracks.apply(report, now)
                obs = Observation(detector_ok=True, last_report_s=tracks.last_report_s if tracks.last_report_s
                                  is not None else now, kerb_waiting=tracks.kerb_waiting, walkers=tracks.walkers,
                                  card_tap=card)
            step = controller.step(state, obs, now)
            _record(step.events, result, truth)
            if step.state.phase != state.phase:
                traci.trafficlight.setRedYellowGreenState(TLS_ID, states[step.state.phase])
            state = step.state
        result.sim_s = traci.simulation.getTime()
    finally:
        traci.close()
    return _finish(result, started=started, tripinfo=tripinfo, truth=truth, detector=detector)


def _record(events, result: RunResult, truth: _Truth) -> None:
    for ev in events:
        if ev.kind == "cycle_end":
            result.cycles += 1
            result.clearances_s.append(ev.data["clearance_s"])
            if ev.data.get("announced_s") is not None:
                result.announce_error_s.append(abs(ev.data["clearance_s"] - ev.data["announced_s"]))
        elif ev.kind == "extension":
            result.extensions += 1
        elif ev.kind == "cap_reached":
            result.cap_reached += 1
        elif ev.kind == "all_red_hold":
            result.all_red_holds += 1
        elif ev.kind == "all_red_hold_end":
            result.all_red_held_s += ev.data["held_s"]
        elif ev.kind == "card_tap":
            result.card_taps += 1
        elif ev.kind == "phase" and ev.data["phase"] == Phase.vehicle_green:
            truth.stranded(result)


def actuated_program(scenario: Scenario, workdir: Path, *, n_links: int, crossing_links: set[int],
                     length_m: float, timing: Timing) -> Path:
    """SUMO's own type="actuated" tlLogic for this crossing, as a traffic engineer would set it up: vehicle
    green of at least the minimum until a walker waits at a kerb (earlyTarget), walk, then a clearance of at
    least the minimum that gaps out SUMO's default max-gap (3 s) after the crossing detector last saw
    someone, at most the cap. Its detectors are laneArea detectors whose counts are fed every step from the
    same detector model as ours (SUMO's own E2 detectors do not count persons walking against the lane)."""
    spec = CrossingSpec("sumo-C", length_m=length_m, lanes=scenario.config.lanes, zone=scenario.config.zone)
    cap = max(spec.cap_s(timing), spec.floor_s)
    states = _states(n_links, crossing_links)
    path = workdir / f"actuated-{scenario.config.name}.add.xml"
    path.write_text(f"""<additional>
    <laneAreaDetector id="kerb" lane="NC_0" pos="0" endPos="5" file="NUL"/>
    <laneAreaDetector id="cross" lane="CS_0" pos="0" endPos="5" file="NUL"/>
    <tlLogic id="{TLS_ID}" type="actuated" programID="sumo_actuated" offset="0">
        <condition id="lastOcc" value="0"/>
        <assignment id="lastOcc" check="a:cross > 0" value="c:"/>
        <phase duration="{timing.min_vehicle_green_s:g}" minDur="{timing.min_vehicle_green_s:g}" maxDur="100000"
               state="{states[Phase.vehicle_green]}"/>
        <phase duration="{timing.amber_s:g}" state="{states[Phase.vehicle_amber]}" earlyTarget="a:kerb > 0"/>
        <phase duration="{spec.walk_s:g}" state="{states[Phase.walk]}"/>
        <phase duration="{cap:.1f}" minDur="{timing.min_clearance_s:g}" maxDur="{cap:.1f}"
               state="{states[Phase.clearance]}"/>
        <phase duration="{timing.all_red_s:g}" state="{states[Phase.all_red]}"
               earlyTarget="c: - lastOcc >= {SUMO_MAX_GAP_S:g}"/>
    </tlLogic>
</additional>
""")
    return path


def run_sumo_actuated(scenario: Scenario, *, detection: DetectorParams = PERFECT, step_s: float = 0.5,
                      timing: Timing | None = None, tag: str = "perfect") -> RunResult:
    """SUMO's actuated program switches the light by itself; the detector model's reports (kerb waiting,
    walkers seen on the crossing) are written into its detectors with lanearea.overrideVehicleNumber."""
    import libsumo as traci
    import sumolib

    timing = timing or Timing()
    result = RunResult(policy=SUMO_ACTUATED, seed=scenario.seed, scenario=scenario.config.name, detection=tag)
    net = sumolib.net.readNet(str(scenario.net_file), withInternal=True, withPedestrianConnections=True)
    length_m = net.getLane(f"{CROSSING_EDGE}_0").getLength()
    conns = net.getTLS(TLS_ID).getConnections()
    n_links = max(c[2] for c in conns) + 1
    crossing_links = {c[2] for c in conns if c[1].getID().startswith(":C_c")}
    program = actuated_program(scenario, scenario.workdir, n_links=n_links, crossing_links=crossing_links,
                               length_m=length_m, timing=timing)
    tripinfo = scenario.workdir / f"tripinfo-{scenario.config.name}-{scenario.seed}-sumo_actuated-{tag}.xml"
    rng = np.random.default_rng(10_000 + scenario.seed)
    traci.start(_sumo_args(scenario, step_s=step_s, tripinfo=tripinfo, additional=program))
    started = time.perf_counter()
    try:
        traci.trafficlight.setProgram(TLS_ID, "sumo_actuated")
        truth = _Truth(traci, scenario)
        detector = Detector(detection, length_m, rng)
        latest: Report | None = None
        last_frame = -1e9
        prev_phase = traci.trafficlight.getPhase(TLS_ID)
        phase_started = 0.0
        end = scenario.config.duration_s
        while traci.simulation.getTime() < end:
            if latest is not None:
                traci.lanearea.overrideVehicleNumber("kerb", latest.kerb_waiting)
                traci.lanearea.overrideVehicleNumber("cross", len(latest.tracks))
            traci.simulationStep()
            now = traci.simulation.getTime()
            crossing, kerb = truth.read(step_s)
            if now - last_frame >= detection.period_s - 1e-9:
                last_frame = now
                detector.observe(now, crossing=crossing, kerb=kerb)
            for report in detector.deliver(now):
                latest = report
            phase = traci.trafficlight.getPhase(TLS_ID)
            if phase != prev_phase:
                if prev_phase == 3:  # clearance ended
                    result.cycles += 1
                    result.clearances_s.append(now - phase_started)
                if phase == 0:
                    truth.stranded(result)
                prev_phase, phase_started = phase, now
        result.sim_s = traci.simulation.getTime()
    finally:
        traci.close()
    return _finish(result, started=started, tripinfo=tripinfo, truth=truth, detector=detector)


def run_sumo_program(scenario: Scenario, *, step_s: float = 0.5) -> tuple[float, float]:
    """SUMO's own fixed program, no Python in the loop: (simulated seconds, wall seconds)."""
    import libsumo as traci

    traci.start(_sumo_args(scenario, step_s=step_s, tripinfo=None))
    started = time.perf_counter()
    try:
        while traci.simulation.getTime() < scenario.config.duration_s:
            traci.simulationStep()
        sim_s = traci.simulation.getTime()
    finally:
        traci.close()
    return sim_s, time.perf_counter() - started
