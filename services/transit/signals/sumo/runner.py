"""Runs one scenario in libsumo with one policy: the service's own CrossingController drives the SUMO
traffic light, fed by the simulated walkers' positions through the service's speed estimator."""

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
    WalkerObs,
)
from services.transit.signals.sumo.scenario import CROSSING_EDGE, TLS_ID, WALKING_AREAS, Scenario


@dataclass
class RunResult:
    policy: str
    seed: int
    stranded: int = 0
    stranded_seniors: int = 0
    cycles: int = 0
    clearances_s: list[float] = field(default_factory=list)
    vehicle_time_loss_s: float = 0.0  # mean per vehicle
    vehicles: int = 0
    pedestrian_wait_s: float = 0.0  # mean kerb wait per walker who crossed
    walkers_crossed: int = 0
    extensions: int = 0
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
        d.update(mean_clearance_s=self.mean_clearance_s, max_clearance_s=self.max_clearance_s)
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


def _sumo_args(scenario: Scenario, *, step_s: float, tripinfo: Path | None) -> list[str]:
    args = ["sumo", "-n", str(scenario.net_file), "-r", str(scenario.route_file), "--step-length", str(step_s),
            "--seed", str(scenario.seed), "--no-step-log", "true", "--no-warnings", "true",
            "--duration-log.disable", "true", "--end", str(scenario.config.duration_s)]
    if tripinfo is not None:
        args += ["--tripinfo-output", str(tripinfo), "--tripinfo-output.write-unfinished", "true"]
    return args


def _time_loss(tripinfo: Path) -> tuple[float, int]:
    import sumolib

    losses = [float(t.timeLoss) for t in sumolib.xml.parse_fast(str(tripinfo), "tripinfo", ["id", "timeLoss"])]
    return (float(np.mean(losses)) if losses else 0.0), len(losses)


def run(scenario: Scenario, policy: Policy, *, step_s: float = 0.5, detector_noise_m: float = 0.1,
        detector_period_s: float = 1.0) -> RunResult:
    """One hour (scenario.config.duration_s) of one policy. The detector reports every `detector_period_s`
    with Gaussian position noise, as a camera would; the controller ticks every simulation step."""
    import libsumo as traci

    result = RunResult(policy=policy.name, seed=scenario.seed)
    tripinfo = scenario.workdir / f"tripinfo-{scenario.seed}-{policy.kind}-{policy.speed_mps}.xml"
    rng = np.random.default_rng(10_000 + scenario.seed)
    traci.start(_sumo_args(scenario, step_s=step_s, tripinfo=tripinfo))
    started = time.perf_counter()
    try:
        length_m = traci.lane.getLength(f"{CROSSING_EDGE}_0")
        links = traci.trafficlight.getControlledLinks(TLS_ID)
        crossing_links = {i for i, group in enumerate(links) if group and group[0][1].startswith(":C_c")}
        states = _states(len(links), crossing_links)
        spec = CrossingSpec("sumo-C", length_m=length_m, lanes=2 * scenario.config.lanes_per_direction)
        controller = CrossingController(spec, policy)
        state = ControllerState(phase=Phase.vehicle_green, phase_started_s=0.0)
        traci.trafficlight.setRedYellowGreenState(TLS_ID, states[Phase.vehicle_green])
        tracks: dict[str, list[tuple[float, float]]] = {}
        direction: dict[str, int] = {}
        crossed: set[str] = set()
        wait_s = 0.0
        last_report = -1e9
        walkers: tuple[WalkerObs, ...] = ()
        kerb = 0
        end = scenario.config.duration_s
        while traci.simulation.getTime() < end:
            traci.simulationStep()
            now = traci.simulation.getTime()
            on_crossing = traci.edge.getLastStepPersonIDs(CROSSING_EDGE)
            waiting = [p for area in WALKING_AREAS for p in traci.edge.getLastStepPersonIDs(area)
                       if traci.person.getNextEdge(p) == CROSSING_EDGE and traci.person.getSpeed(p) < 0.1]
            wait_s += step_s * len(waiting)
            if now - last_report >= detector_period_s - 1e-9:  # the detector's report
                last_report = now
                seen = set()
                for pid in on_crossing:
                    pos = traci.person.getLanePosition(pid)
                    if pid not in direction:
                        direction[pid] = 1 if pos < length_m / 2 else -1
                        crossed.add(pid)
                    walked = pos if direction[pid] == 1 else length_m - pos
                    tracks.setdefault(pid, []).append((now, walked + rng.normal(0.0, detector_noise_m)))
                    seen.add(pid)
                for pid in list(tracks):
                    if pid not in seen:
                        del tracks[pid]
                obs_walkers = []
                for pid, pts in tracks.items():
                    pts[:] = pts[-12:]
                    obs_walkers.append(WalkerObs(pid, pts[-1][1], speeds.current_speed(pts, now=now), now))
                walkers = tuple(obs_walkers)
                kerb = len(waiting)
            obs = Observation(detector_ok=True, last_report_s=last_report, kerb_waiting=kerb, walkers=walkers)
            step = controller.step(state, obs, now)
            for ev in step.events:
                if ev.kind == "cycle_end":
                    result.cycles += 1
                    result.clearances_s.append(ev.data["clearance_s"])
                elif ev.kind == "extension":
                    result.extensions += 1
                elif ev.kind == "phase" and ev.data["phase"] == Phase.vehicle_green:
                    stranded = traci.edge.getLastStepPersonIDs(CROSSING_EDGE)
                    result.stranded += len(stranded)
                    result.stranded_seniors += sum(1 for p in stranded if p.startswith("senior"))
            if step.state.phase != state.phase:
                traci.trafficlight.setRedYellowGreenState(TLS_ID, states[step.state.phase])
            state = step.state
        result.sim_s = traci.simulation.getTime()
    finally:
        traci.close()
    result.wall_s = time.perf_counter() - started
    result.vehicle_time_loss_s, result.vehicles = _time_loss(tripinfo)
    result.walkers_crossed = len(crossed)
    result.pedestrian_wait_s = wait_s / max(1, len(crossed))
    return result


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
