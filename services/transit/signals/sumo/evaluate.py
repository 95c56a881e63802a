"""Compares crossing policies over scenarios and seeds in SUMO, each under perfect and faulty detection:
the table (markdown), the targets of issue 18 checked on it, and the plot."""

import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from services.transit.signals.domain import Policy
from services.transit.signals.sumo import runner, scenario
from services.transit.signals.sumo.scenario import PERFECT, ScenarioConfig

FIXED = (Policy.fixed(1.0), Policy.fixed(0.8), Policy.fixed(0.7))
DETECTED = (Policy.presence(), Policy.adaptive(), Policy.adaptive(speed_blind=True))
OURS, BLIND, PRESENCE = "ours", "ours speed-blind", "presence gap-out"
ORDER = ["fixed 1.0 m/s", "fixed 0.8 m/s", "fixed 0.7 m/s", runner.SUMO_ACTUATED, PRESENCE, BLIND, OURS]


@dataclass
class Evaluation:
    configs: list[ScenarioConfig]
    seeds: list[int]
    results: list[runner.RunResult]

    def groups(self) -> dict[tuple[str, str, str], list[runner.RunResult]]:
        out: dict[tuple[str, str, str], list[runner.RunResult]] = {}
        for r in self.results:
            out.setdefault((r.scenario, r.policy, r.detection), []).append(r)
        return out

    def rows(self) -> list[dict]:
        rows = []
        for (sc, policy, detection), rs in self.groups().items():
            clear = [c for r in rs for c in r.clearances_s]
            ann = [a for r in rs for a in r.announce_error_s]
            by_group: dict[str, int] = {}
            for r in rs:
                for g, n in r.stranded_by_group.items():
                    by_group[g] = by_group.get(g, 0) + n
            rows.append({
                "scenario": sc, "policy": policy, "detection": detection,
                "stranded": sum(r.stranded for r in rs), "stranded_per_seed": [r.stranded for r in rs],
                "stranded_by_group": by_group,
                "walkers": sum(r.walkers_crossed for r in rs), "cycles": sum(r.cycles for r in rs),
                "mean_clearance_s": float(np.mean(clear)) if clear else 0.0,
                "max_clearance_s": float(max(clear)) if clear else 0.0,
                "vehicle_time_loss_s": float(np.mean([r.vehicle_time_loss_s for r in rs])),
                "vehicle_time_loss_sd": float(np.std([r.vehicle_time_loss_s for r in rs])),
                "pedestrian_wait_s": float(np.mean([r.pedestrian_wait_s for r in rs])),
                "all_red_holds": sum(r.all_red_holds for r in rs),
                "all_red_held_s": sum(r.all_red_held_s for r in rs),
                "cap_reached": sum(r.cap_reached for r in rs),
                "card_taps": sum(r.card_taps for r in rs),
                "announce_error_s": float(np.mean(ann)) if ann else None,
                "track_drops": sum(r.track_drops for r in rs), "id_switches": sum(r.id_switches for r in rs),
                "wall_s": sum(r.wall_s for r in rs),
            })
        rows.sort(key=lambda r: ([c.name for c in self.configs].index(r["scenario"]),
                                 r["detection"] != "perfect", ORDER.index(r["policy"])))
        return rows

    def row(self, sc: str, policy: str, detection: str) -> dict | None:
        return next((r for r in self.rows() if (r["scenario"], r["policy"], r["detection"]) == (sc, policy, detection)),
                    None)

    def checks(self) -> list[dict]:
        """Issue 18's targets, per scenario: ours strands 0 (perfect and faults); under faults the speed-blind
        variant strands more or costs more; ours costs no more than presence-only and SUMO actuated."""
        out = []
        for c in self.configs:
            for det in ("perfect", "faults"):
                ours = self.row(c.name, OURS, det)
                if ours is None:
                    continue
                out.append({"scenario": c.name, "detection": det, "target": "ours strands 0",
                            "ok": ours["stranded"] == 0, "measured": f"{ours['stranded']} stranded"})
                for other in (PRESENCE, runner.SUMO_ACTUATED):
                    o = self.row(c.name, other, det)
                    if o:
                        out.append({"scenario": c.name, "detection": det,
                                    "target": f"ours costs no more than {other}",
                                    "ok": ours["vehicle_time_loss_s"] <= o["vehicle_time_loss_s"] + 1e-9,
                                    "measured": f"{ours['vehicle_time_loss_s']:.2f} vs {o['vehicle_time_loss_s']:.2f} "
                                                f"s/veh ({o['stranded']} stranded)"})
                blind = self.row(c.name, BLIND, det)
                if det == "faults" and blind:
                    ok = (blind["stranded"] > ours["stranded"]
                          or blind["vehicle_time_loss_s"] > ours["vehicle_time_loss_s"])
                    out.append({"scenario": c.name, "detection": det,
                                "target": "speed-blind strands more or costs more", "ok": ok,
                                "measured": f"blind {blind['stranded']} stranded, {blind['vehicle_time_loss_s']:.2f} "
                                            f"s/veh vs ours {ours['stranded']}, {ours['vehicle_time_loss_s']:.2f}"})
        return out

    def markdown(self) -> str:
        lines = []
        for c in self.configs:
            f = c.faults
            lines += [
                f"### {c.name}: {c.description}",
                "",
                f"{len(self.seeds)} seeds ({', '.join(map(str, self.seeds))}) x {c.duration_s / 3600:g} h; "
                f"{c.walkers_per_hour:g} walkers/h ("
                + ", ".join(f"{g.share:.0%} {g.name}" for g in c.groups)
                + f"), {c.vehicles_per_hour_per_direction:g} veh/h each way, dawdling {c.dawdling:g}. "
                f"Faults: field of view {f.fov_from_kerb_m} m from each kerb, detection {f.detect_prob:.0%}/s, "
                f"drop after {f.drop_after_s:g} s, id switches {f.id_switch_per_s:g}/s, noise {f.noise_m:g} m, "
                f"latency {f.latency_s:g} s.",
                "",
                "| policy | detection | stranded (per seed) | walkers | cycles | mean / max clearance s "
                "| vehicle time loss s/veh | ped. wait s | all-red holds (s) | announce error s |",
                "|---|---|---|---|---|---|---|---|---|---|",
            ]
            for r in self.rows():
                if r["scenario"] != c.name:
                    continue
                det = "push-button" if r["policy"].startswith("fixed") else r["detection"]
                ann = "" if r["announce_error_s"] is None else f"{r['announce_error_s']:.1f}"
                holds = f"{r['all_red_holds']} ({r['all_red_held_s']:.0f})" if r["all_red_holds"] else "0"
                lines.append(
                    f"| {r['policy']} | {det} | {r['stranded']} ({', '.join(map(str, r['stranded_per_seed']))}) "
                    f"| {r['walkers']} | {r['cycles']} | {r['mean_clearance_s']:.1f} / {r['max_clearance_s']:.1f} "
                    f"| {r['vehicle_time_loss_s']:.2f} ± {r['vehicle_time_loss_sd']:.2f} "
                    f"| {r['pedestrian_wait_s']:.1f} | {holds} | {ann} |")
            lines.append("")
        lines += ["### Targets (issue 18)", "", "| scenario | detection | target | met | measured |",
                  "|---|---|---|---|---|"]
        for ch in self.checks():
            lines.append(f"| {ch['scenario']} | {ch['detection']} | {ch['target']} | "
                         f"{'yes' if ch['ok'] else '**no**'} | {ch['measured']} |")
        return "\n".join(lines)

    def plot(self, path: Path) -> Path:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        n = len(self.configs)
        fig, axes = plt.subplots(2, n, figsize=(5.2 * n, 7.5), squeeze=False)
        for j, c in enumerate(self.configs):
            rows = [r for r in self.rows() if r["scenario"] == c.name
                    and not (r["policy"].startswith("fixed") and r["detection"] != "perfect")]
            labels = [r["policy"].replace(" m/s", "") + ("" if r["policy"].startswith("fixed") else
                                                       f"\n({r['detection']})") for r in rows]
            colours = ["#9e9e9e" if r["policy"].startswith("fixed") else
                       ("#2e7d32" if r["policy"] == OURS else "#ef6c00" if r["policy"] == BLIND else "#3f51b5")
                       for r in rows]
            hatches = ["//" if r["detection"] == "faults" else "" for r in rows]
            x = np.arange(len(rows))
            for k, (ax, key, title) in enumerate(((axes[0][j], "stranded", "walkers stranded"),
                                                 (axes[1][j], "vehicle_time_loss_s", "vehicle time loss s/veh"))):
                bars = ax.bar(x, [r[key] for r in rows], color=colours,
                              yerr=[r["vehicle_time_loss_sd"] for r in rows] if k else None)
                for b, h in zip(bars, hatches, strict=True):
                    b.set_hatch(h)
                ax.set_xticks(x, labels, rotation=70, fontsize=7)
                ax.set_title(f"{c.name}: {title}", fontsize=9)
        fig.suptitle(f"SUMO, {len(self.seeds)} seeds x {self.configs[0].duration_s / 3600:g} h per scenario "
                     "(hatched: faulty detection)")
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=100)
        plt.close(fig)
        return path

    def to_json(self) -> str:
        return json.dumps({"seeds": self.seeds, "scenarios": [c.name for c in self.configs], "rows": self.rows(),
                           "checks": self.checks(), "runs": [r.summary() for r in self.results]}, indent=2)


def evaluate(workdir: Path, *, seeds: list[int], configs: list[ScenarioConfig], fixed=FIXED, detected=DETECTED,
             sumo_actuated: bool = True, faults_only: bool = False, progress=None) -> Evaluation:
    results = []
    for config in configs:
        wd = workdir / config.name
        net = scenario.build_net(wd, config)
        for seed in seeds:
            sc = scenario.build(wd, config, seed, net)
            runs: list[tuple[Policy | None, object, str]] = [] if faults_only else [
                (p, PERFECT, "push-button") for p in fixed]
            for det, tag in ((PERFECT, "perfect"), (config.faults, "faults")):
                if faults_only and tag == "perfect":
                    continue
                if sumo_actuated:
                    runs.append((None, det, tag))
                runs += [(p, det, tag) for p in detected]
            for policy, det, tag in runs:
                if policy is None:
                    r = runner.run_sumo_actuated(sc, detection=det, tag=tag)
                else:
                    r = runner.run(sc, policy, detection=det, tag="perfect" if tag == "push-button" else tag)
                results.append(r)
                if progress:
                    progress(r)
    return Evaluation(list(configs), list(seeds), results)


def configs_for(names: list[str], **overrides) -> list[ScenarioConfig]:
    return [replace(scenario.with_overrides(scenario.load(n), **overrides)) for n in names]
