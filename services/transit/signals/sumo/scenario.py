"""Builds a mid-block signalised crossing over a Pohang-like arterial from plain XML with netconvert, and
the hour's walkers and vehicles for one seed (explicit departures, so every policy sees the same people)."""

import math
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

TLS_ID = "C"
CROSSING_EDGE = ":C_c0"
WALKING_AREAS = (":C_w0", ":C_w1")


@dataclass(frozen=True)
class WalkerGroup:
    name: str
    mean_mps: float
    sd_mps: float
    min_mps: float
    max_mps: float
    source: str


# Seniors: UK adults 65+ (n = 1,110) mean 0.77 m/s and 1.5% reach 1.2 m/s -> sd ~0.2 (z(0.985) = 2.17);
# clipped at 0.45 m/s (below a cane user's p15 of 0.73 m/s, shared/DOMAIN.md). Adults: MUTCD's 3.5 ft/s
# (1.07 m/s) is about the 15th percentile of all walkers -> mean 1.25, sd 0.17.
SENIORS = WalkerGroup("senior", 0.77, 0.20, 0.45, 1.5, "UK 65+ mean 0.77 m/s, 1.5% >= 1.2 m/s (DOMAIN.md)")
ADULTS = WalkerGroup("adult", 1.25, 0.17, 0.9, 1.8, "MUTCD 2009 4E.06: 1.07 m/s ~ 15th percentile")


@dataclass(frozen=True)
class ScenarioConfig:
    lanes_per_direction: int = 3
    lane_width_m: float = 3.25
    arm_length_m: float = 200.0
    footpath_length_m: float = 25.0
    duration_s: float = 3600.0
    walkers_per_hour: float = 240.0
    senior_share: float = 0.3
    vehicles_per_hour_per_direction: float = 900.0
    groups: tuple[WalkerGroup, WalkerGroup] = (ADULTS, SENIORS)


@dataclass
class Scenario:
    workdir: Path
    net_file: Path
    route_file: Path
    config: ScenarioConfig
    seed: int
    walker_speeds: dict[str, float] = field(default_factory=dict)


def _write(path: Path, text: str) -> Path:
    path.write_text(text.strip() + "\n")
    return path


def build_net(workdir: Path, config: ScenarioConfig) -> Path:
    """Writes nodes/edges/connections (with an explicit crossing) and runs netconvert; returns the .net.xml."""
    import sumolib

    workdir.mkdir(parents=True, exist_ok=True)
    a, f, n, w = config.arm_length_m, config.footpath_length_m, config.lanes_per_direction, config.lane_width_m
    nodes = _write(workdir / "crossing.nod.xml", f"""
<nodes>
    <node id="C" x="0.00" y="0.00" type="traffic_light"/>
    <node id="E" x="{a:.2f}" y="0.00" type="priority"/>
    <node id="W" x="{-a:.2f}" y="0.00" type="priority"/>
    <node id="N" x="0.00" y="{f + n * w:.2f}" type="priority"/>
    <node id="S" x="0.00" y="{-(f + n * w):.2f}" type="priority"/>
</nodes>""")
    lanes = f'numLanes="{n}" width="{w}" disallow="pedestrian" speed="13.89" priority="2"'
    foot = 'numLanes="1" allow="pedestrian" speed="5.00" width="3.00" spreadType="center" priority="1"'
    edges = _write(workdir / "crossing.edg.xml", f"""
<edges>
    <edge id="WC" from="W" to="C" {lanes}/>
    <edge id="CE" from="C" to="E" {lanes}/>
    <edge id="EC" from="E" to="C" {lanes}/>
    <edge id="CW" from="C" to="W" {lanes}/>
    <edge id="NC" from="N" to="C" {foot}/>
    <edge id="CS" from="C" to="S" {foot}/>
</edges>""")
    connections = _write(workdir / "crossing.con.xml", """
<connections>
    <crossing node="C" edges="CE EC" width="4"/>
</connections>""")
    net = workdir / "crossing.net.xml"
    subprocess.run(
        [sumolib.checkBinary("netconvert"), "-n", str(nodes), "-e", str(edges), "-x", str(connections),
         "--no-turnarounds", "true", "--tls.default-type", "static", "-o", str(net), "--no-warnings", "true"],
        check=True, capture_output=True, text=True,
    )
    return net


def draw_speed(rng: np.random.Generator, group: WalkerGroup) -> float:
    for _ in range(100):
        v = rng.normal(group.mean_mps, group.sd_mps)
        if group.min_mps <= v <= group.max_mps:
            return float(v)
    return float(min(max(group.mean_mps, group.min_mps), group.max_mps))


def build_routes(workdir: Path, config: ScenarioConfig, seed: int) -> tuple[Path, dict[str, float]]:
    """Poisson walkers (both directions, a senior share, a speed each) and Poisson vehicles both ways."""
    rng = np.random.default_rng(seed)
    lines = ['<routes>',
             '    <vType id="car" vClass="passenger" length="4.5" minGap="2.5" sigma="0.5"/>']
    entries: list[tuple[float, str]] = []
    speeds: dict[str, float] = {}
    t, k = 0.0, 0
    rate = config.walkers_per_hour / 3600.0
    while True:
        t += rng.exponential(1.0 / rate)
        if t >= config.duration_s:
            break
        group = config.groups[1] if rng.random() < config.senior_share else config.groups[0]
        speed = draw_speed(rng, group)
        pid = f"{group.name}{k}"
        speeds[pid] = speed
        route = '<walk from="NC" to="CS"/>' if rng.random() < 0.5 else '<walk from="CS" to="NC"/>'
        # one vType per walker: desiredMaxSpeed is the walker's own speed, no further draw inside SUMO
        entries.append((t, f'    <vType id="vt_{pid}" vClass="pedestrian" desiredMaxSpeed="{speed:.3f}" '
                           f'speedFactor="1" speedDev="0" width="0.6" length="0.3"/>\n'
                           f'    <person id="{pid}" depart="{t:.1f}" type="vt_{pid}">{route}</person>'))
        k += 1
    for direction, (src, dst) in {"we": ("WC", "CE"), "ew": ("EC", "CW")}.items():
        t, k = 0.0, 0
        rate = config.vehicles_per_hour_per_direction / 3600.0
        while True:
            t += rng.exponential(1.0 / rate)
            if t >= config.duration_s:
                break
            entries.append((t, f'    <trip id="{direction}{k}" type="car" depart="{t:.1f}" from="{src}" to="{dst}" '
                               f'departLane="best" departSpeed="max"/>'))
            k += 1
    entries.sort(key=lambda e: e[0])
    lines += [e[1] for e in entries]
    lines.append('</routes>')
    path = workdir / f"seed{seed}.rou.xml"
    path.write_text("\n".join(lines) + "\n")
    return path, speeds


def build(workdir: Path, config: ScenarioConfig, seed: int, net_file: Path | None = None) -> Scenario:
    workdir.mkdir(parents=True, exist_ok=True)
    net = net_file or build_net(workdir, config)
    routes, speeds = build_routes(workdir, config, seed)
    return Scenario(workdir, net, routes, config, seed, speeds)


def nominal_crossing_length_m(config: ScenarioConfig) -> float:
    return math.ceil(2 * config.lanes_per_direction * config.lane_width_m)
