"""Signals: controller decision time per tick, and SUMO simulated seconds per wall second.

1. The adaptive controller's step with walkers on the crossing, beside the fixed-time policy's step
   (same code path, no detector logic) measured in the same run.
2. libsumo running the crossing hour with our controller in the loop (detector reads, speed estimation,
   decision, setRedYellowGreenState every step), beside SUMO's own fixed program with no Python in the loop.

Defaults run in well under a minute; SIGNALS_BENCH_FULL=1 runs the full hour.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a plain script from anywhere

from services.transit.signals.domain import (  # noqa: E402
    ControllerState,
    CrossingController,
    CrossingSpec,
    Observation,
    Phase,
    Policy,
    WalkerObs,
)

FULL = os.environ.get("SIGNALS_BENCH_FULL") == "1"


def time_ticks(policy: Policy, walkers: int, ticks: int = 20_000) -> float:
    spec = CrossingSpec("B", length_m=19.5, lanes=6)
    controller = CrossingController(spec, policy)
    state = ControllerState(phase=Phase.clearance, phase_started_s=0.0)
    obs_walkers = tuple(WalkerObs(f"w{i}", 1.0 + i * 0.5, 0.6 + 0.05 * i, 0.0) for i in range(walkers))
    best = []
    for _ in range(3):
        started = time.perf_counter()
        for i in range(ticks):
            now = 1.0 + (i % 10) * 0.1  # stay inside the clearance: the decision with the most work
            controller.step(state, Observation(last_report_s=now, walkers=obs_walkers), now)
        best.append((time.perf_counter() - started) / ticks)
    return min(best)


def main() -> None:
    print("== controller decision time per tick (clearance phase)")
    base = time_ticks(Policy.fixed(1.0), 0)
    print(f"baseline fixed 1.0 m/s, no walkers: {base * 1e6:8.1f} us/tick")
    for n in (1, 5, 20):
        t = time_ticks(Policy.adaptive(), n)
        print(f"adaptive, {n:2d} walkers on it:     {t * 1e6:8.1f} us/tick  ({t / base:4.1f}x baseline; "
              f"{1.0 / t:,.0f} ticks/s on one core)")

    try:
        import libsumo  # noqa: F401
    except ImportError:
        print("libsumo not installed: skipping the simulation-speed figure")
        return
    from services.transit.signals.sumo import runner, scenario

    duration = 3600.0 if FULL else 900.0
    config = scenario.ScenarioConfig(duration_s=duration)
    with tempfile.TemporaryDirectory() as tmp:
        sc = scenario.build(Path(tmp), config, seed=1)
        print(f"\n== simulated seconds per wall second ({duration:.0f} s simulated, step 0.5 s, seed 1)")
        sumo_rates, ours_rates = [], []
        for _ in range(2 if FULL else 3):
            sim_s, wall_s = runner.run_sumo_program(sc)
            sumo_rates.append(sim_s / wall_s)
            result = runner.run(sc, Policy.adaptive())
            ours_rates.append(result.sim_s / result.wall_s)
        sumo_rate, ours_rate = statistics.median(sumo_rates), statistics.median(ours_rates)
        print(f"baseline SUMO's own fixed program (no Python in loop): {sumo_rate:8.0f} sim s / wall s")
        print(f"adaptive controller driving the light via libsumo:     {ours_rate:8.0f} sim s / wall s "
              f"({ours_rate / sumo_rate:.2f}x baseline)")


if __name__ == "__main__":
    main()
