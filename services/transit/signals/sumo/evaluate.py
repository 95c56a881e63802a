"""Compares crossing policies over seeds in SUMO: the table (markdown) and the plot."""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from services.transit.signals.domain import Policy
from services.transit.signals.sumo import runner, scenario

POLICIES = (Policy.fixed(1.0), Policy.fixed(0.8), Policy.fixed(0.7), Policy.adaptive())


@dataclass
class Evaluation:
    config: scenario.ScenarioConfig
    seeds: list[int]
    results: list[runner.RunResult]

    def by_policy(self) -> dict[str, list[runner.RunResult]]:
        out: dict[str, list[runner.RunResult]] = {}
        for r in self.results:
            out.setdefault(r.policy, []).append(r)
        return out

    def rows(self) -> list[dict]:
        rows = []
        for policy, rs in self.by_policy().items():
            clear = [c for r in rs for c in r.clearances_s]
            rows.append({
                "policy": policy,
                "stranded": sum(r.stranded for r in rs),
                "stranded_per_seed": [r.stranded for r in rs],
                "walkers": sum(r.walkers_crossed for r in rs),
                "cycles": sum(r.cycles for r in rs),
                "mean_clearance_s": float(np.mean(clear)) if clear else 0.0,
                "max_clearance_s": float(max(clear)) if clear else 0.0,
                "vehicle_time_loss_s": float(np.mean([r.vehicle_time_loss_s for r in rs])),
                "vehicle_time_loss_sd": float(np.std([r.vehicle_time_loss_s for r in rs])),
                "pedestrian_wait_s": float(np.mean([r.pedestrian_wait_s for r in rs])),
                "extensions": sum(r.extensions for r in rs),
                "wall_s": sum(r.wall_s for r in rs),
                "sim_s": sum(r.sim_s for r in rs),
            })
        return rows

    def markdown(self) -> str:
        c = self.config
        lines = [
            f"{len(self.seeds)} seeds ({', '.join(map(str, self.seeds))}), {c.duration_s / 3600:g} h each, "
            f"{c.walkers_per_hour:g} walkers/h ({c.senior_share:.0%} seniors), "
            f"{c.vehicles_per_hour_per_direction:g} vehicles/h each way, crossing of {2 * c.lanes_per_direction} lanes.",
            "",
            "| policy | stranded walkers (per seed) | walkers crossed | cycles | mean clearance s | max clearance s "
            "| vehicle time loss s/veh | pedestrian wait s | extensions |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for r in self.rows():
            lines.append(
                f"| {r['policy']} | {r['stranded']} ({', '.join(map(str, r['stranded_per_seed']))}) | {r['walkers']} "
                f"| {r['cycles']} | {r['mean_clearance_s']:.1f} | {r['max_clearance_s']:.1f} "
                f"| {r['vehicle_time_loss_s']:.2f} ± {r['vehicle_time_loss_sd']:.2f} | {r['pedestrian_wait_s']:.1f} "
                f"| {r['extensions']} |")
        return "\n".join(lines)

    def plot(self, path: Path) -> Path:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        rows = self.rows()
        names = [r["policy"] for r in rows]
        fig, axes = plt.subplots(1, 3, figsize=(13, 4))
        colours = ["#9e9e9e", "#7986cb", "#3f51b5", "#2e7d32"][: len(rows)]
        axes[0].bar(names, [r["stranded"] for r in rows], color=colours)
        axes[0].set_title("Walkers stranded when vehicles get green")
        axes[1].bar(names, [r["vehicle_time_loss_s"] for r in rows], yerr=[r["vehicle_time_loss_sd"] for r in rows],
                    color=colours)
        axes[1].set_title("Vehicle time loss (s per vehicle)")
        by = self.by_policy()
        axes[2].boxplot([[c for r in by[n] for c in r.clearances_s] for n in names], tick_labels=names)
        axes[2].set_title("Clearance given per cycle (s)")
        for ax in axes:
            ax.tick_params(axis="x", rotation=20)
        fig.suptitle(f"SUMO, {len(self.seeds)} seeds x {self.config.duration_s / 3600:g} h, "
                     f"{self.config.senior_share:.0%} seniors")
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110)
        plt.close(fig)
        return path

    def to_json(self) -> str:
        return json.dumps({"seeds": self.seeds, "rows": self.rows(),
                           "runs": [r.summary() for r in self.results]}, indent=2)


def evaluate(workdir: Path, *, seeds: list[int], config: scenario.ScenarioConfig,
             policies=POLICIES, progress=None) -> Evaluation:
    net = scenario.build_net(workdir, config)
    results = []
    for seed in seeds:
        sc = scenario.build(workdir, config, seed, net)
        for policy in policies:
            r = runner.run(sc, policy)
            results.append(r)
            if progress:
                progress(r)
    return Evaluation(config, list(seeds), results)
