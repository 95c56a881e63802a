"""Scenarios as data (TOML files under scenarios/): a mid-block signalised crossing built from plain XML with
netconvert, and one seed's walkers and vehicles (explicit departures, so every policy sees the same people)."""

import math
import subprocess
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from services.transit.signals.domain import ZONE_PLANS

TLS_ID = "C"
CROSSING_EDGE = ":C_c0"
KERB_AREAS = {":C_w0": "N", ":C_w1": "S"}  # walking areas at the north and south kerbs
SCENARIO_DIR = Path(__file__).parent / "scenarios"


class ScenarioError(ValueError):
    """A scenario file that cannot describe a crossing; the message says which field and why."""


@dataclass(frozen=True)
class WalkerGroup:
    name: str
    share: float
    distribution: str = "normal"  # normal (truncated to the bounds) | uniform (between the bounds)
    mean_mps: float | None = None
    sd_mps: float | None = None
    min_mps: float = 0.3
    max_mps: float = 2.0
    mobility_aid: bool = False
    card_share: float = 0.0  # of this group, who carry a registered card and tap it at the kerb
    source: str = ""

    def draw(self, rng: np.random.Generator) -> float:
        if self.distribution == "uniform":
            return float(rng.uniform(self.min_mps, self.max_mps))
        for _ in range(100):
            v = rng.normal(self.mean_mps, self.sd_mps)
            if self.min_mps <= v <= self.max_mps:
                return float(v)
        return float(min(max(self.mean_mps, self.min_mps), self.max_mps))


# The earlier defaults (demo simulator): UK 65+ mean 0.77 m/s, 1.5% reach 1.2 m/s -> sd ~0.2; adults: MUTCD's
# 3.5 ft/s (1.07 m/s) is about the 15th percentile of all walkers -> mean 1.25, sd 0.17.
SENIORS = WalkerGroup("senior", 0.3, "normal", 0.77, 0.20, 0.45, 1.5,
                      source="UK 65+ mean 0.77 m/s, 1.5% >= 1.2 m/s (DOMAIN.md)")
ADULTS = WalkerGroup("adult", 0.7, "normal", 1.25, 0.17, 0.9, 1.8,
                     source="MUTCD 2009 4E.06: 1.07 m/s ~ 15th percentile")


@dataclass(frozen=True)
class DetectorParams:
    """What the camera gives the controller. Defaults: a perfect detector apart from 0.1 m noise."""

    fov_from_kerb_m: float | None = None  # each kerb camera sees this far onto the crossing (None: all of it)
    detect_prob: float = 1.0  # per walker per second
    drop_after_s: float = 2.0  # a track unseen this long is dropped; found again, the walker gets a new id
    id_switch_per_s: float = 0.0  # per tracked walker per second: the id changes (the old track just ends)
    noise_m: float = 0.1  # Gaussian position noise along the crossing
    latency_s: float = 0.0  # a report reaches the controller this late
    period_s: float = 1.0

    @property
    def perfect(self) -> bool:
        return (self.fov_from_kerb_m is None and self.detect_prob >= 1.0 and self.id_switch_per_s == 0.0
                and self.latency_s == 0.0)


PERFECT = DetectorParams()


@dataclass(frozen=True)
class ScenarioConfig:
    name: str = "general-19m"
    description: str = ""
    length_m: float = 19.5
    lanes: int = 6
    refuge_m: float = 0.0
    zone: str = "general"
    vehicles_per_hour_per_direction: float = 900.0
    walkers_per_hour: float = 240.0
    dawdling: float = 0.0  # SUMO --pedestrian.striping.dawdling, stated (SUMO's default 0.2 slows walkers ~10 %)
    groups: tuple[WalkerGroup, ...] = (ADULTS, SENIORS)
    faults: DetectorParams = DetectorParams(fov_from_kerb_m=7.0, detect_prob=0.85, id_switch_per_s=0.02,
                                            noise_m=0.3, latency_s=0.5)
    duration_s: float = 3600.0
    arm_length_m: float = 200.0
    footpath_length_m: float = 25.0
    source_file: str | None = None

    @property
    def lane_width_m(self) -> float:
        return (self.length_m - self.refuge_m) / self.lanes

    def group_shares(self) -> dict[str, float]:
        return {g.name: g.share for g in self.groups}


def _num(d: dict, key: str, where: str, *, lo: float | None = None, hi: float | None = None, default=None):
    if key not in d:
        if default is None:
            raise ScenarioError(f"{where}.{key} is missing")
        return default
    v = d[key]
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise ScenarioError(f"{where}.{key} must be a number, got {v!r}")
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise ScenarioError(f"{where}.{key} = {v} is outside {lo}..{hi}")
    return float(v)


def parse(data: dict, *, source_file: str | None = None) -> ScenarioConfig:
    crossing, vehicles, walkers = data.get("crossing", {}), data.get("vehicles", {}), data.get("walkers", {})
    zone = crossing.get("zone", "general")
    if zone not in ZONE_PLANS:
        raise ScenarioError(f"crossing.zone must be one of {sorted(ZONE_PLANS)}, got {zone!r}")
    lanes = crossing.get("lanes")
    if not isinstance(lanes, int) or isinstance(lanes, bool) or not 2 <= lanes <= 10 or lanes % 2:
        raise ScenarioError(f"crossing.lanes must be an even whole number 2..10 (both directions), got {lanes!r}")
    length = _num(crossing, "length_m", "crossing", lo=4.0, hi=60.0)
    refuge = _num(crossing, "refuge_m", "crossing", lo=0.0, hi=10.0, default=0.0)
    if not 2.5 <= (length - refuge) / lanes <= 5.0:
        raise ScenarioError(f"crossing: {length} m minus a {refuge} m refuge over {lanes} lanes is "
                            f"{(length - refuge) / lanes:.2f} m a lane, outside 2.5..5.0")
    groups = []
    for i, g in enumerate(walkers.get("groups", [])):
        where = f"walkers.groups[{i}]"
        dist = g.get("distribution", "normal")
        if dist not in ("normal", "uniform"):
            raise ScenarioError(f"{where}.distribution must be normal or uniform, got {dist!r}")
        lo, hi = _num(g, "min_mps", where, lo=0.1, hi=3.0), _num(g, "max_mps", where, lo=0.1, hi=3.0)
        if lo >= hi:
            raise ScenarioError(f"{where}: min_mps {lo} must be below max_mps {hi}")
        mean = sd = None
        if dist == "normal":
            mean, sd = _num(g, "mean_mps", where, lo=lo, hi=hi), _num(g, "sd_mps", where, lo=0.0, hi=1.0)
        groups.append(WalkerGroup(
            name=str(g.get("name") or f"group{i}"), share=_num(g, "share", where, lo=0.0, hi=1.0),
            distribution=dist, mean_mps=mean, sd_mps=sd, min_mps=lo, max_mps=hi,
            mobility_aid=bool(g.get("mobility_aid", False)),
            card_share=_num(g, "card_share", where, lo=0.0, hi=1.0, default=0.0), source=str(g.get("source", ""))))
    if not groups:
        raise ScenarioError("walkers.groups: at least one group is needed")
    if abs(sum(g.share for g in groups) - 1.0) > 0.01:
        raise ScenarioError(f"walkers.groups: shares add up to {sum(g.share for g in groups):.3f}, not 1")
    if len({g.name for g in groups}) != len(groups):
        raise ScenarioError("walkers.groups: names must differ")
    f = data.get("faults", {})
    fov = f.get("fov_from_kerb_m")
    faults = DetectorParams(
        fov_from_kerb_m=None if fov is None else _num(f, "fov_from_kerb_m", "faults", lo=0.0, hi=60.0),
        detect_prob=_num(f, "detect_prob", "faults", lo=0.05, hi=1.0, default=1.0),
        drop_after_s=_num(f, "drop_after_s", "faults", lo=0.5, hi=30.0, default=2.0),
        id_switch_per_s=_num(f, "id_switch_per_s", "faults", lo=0.0, hi=0.5, default=0.0),
        noise_m=_num(f, "noise_m", "faults", lo=0.0, hi=5.0, default=0.1),
        latency_s=_num(f, "latency_s", "faults", lo=0.0, hi=5.0, default=0.0))
    if "dawdling" not in walkers:
        raise ScenarioError("walkers.dawdling must be stated (SUMO's default 0.2 slows walkers about 10 %)")
    return ScenarioConfig(
        name=str(data.get("name", "scenario")), description=str(data.get("description", "")), length_m=length,
        lanes=lanes, refuge_m=refuge, zone=zone,
        vehicles_per_hour_per_direction=_num(vehicles, "per_hour_per_direction", "vehicles", lo=0.0, hi=3000.0),
        walkers_per_hour=_num(walkers, "per_hour", "walkers", lo=0.0, hi=3000.0),
        dawdling=_num(walkers, "dawdling", "walkers", lo=0.0, hi=1.0), groups=tuple(groups), faults=faults,
        source_file=source_file)


def load(path: str | Path) -> ScenarioConfig:
    """A scenario file by path, or by name from scenarios/ ("arterial-24m-seniors")."""
    p = Path(path)
    if not p.exists() and (SCENARIO_DIR / f"{path}.toml").exists():
        p = SCENARIO_DIR / f"{path}.toml"
    if not p.exists():
        raise ScenarioError(f"no scenario file {path} (bundled: {', '.join(bundled_names())})")
    try:
        data = tomllib.loads(p.read_text())
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"{p.name}: {e}") from e
    return parse(data, source_file=str(p))


def bundled_names() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def with_overrides(config: ScenarioConfig, **changes) -> ScenarioConfig:
    return replace(config, **{k: v for k, v in changes.items() if v is not None})


@dataclass
class Scenario:
    workdir: Path
    net_file: Path
    route_file: Path
    config: ScenarioConfig
    seed: int
    walker_speeds: dict[str, float] = field(default_factory=dict)
    walker_groups: dict[str, str] = field(default_factory=dict)
    card_holders: set[str] = field(default_factory=set)


def _write(path: Path, text: str) -> Path:
    path.write_text(text.strip() + "\n")
    return path


def build_net(workdir: Path, config: ScenarioConfig) -> Path:
    """Writes nodes/edges/connections (an explicit crossing; a refuge as a no-traffic strip inside each
    carriageway's median side) and runs netconvert; returns the .net.xml."""
    import sumolib

    workdir.mkdir(parents=True, exist_ok=True)
    a, f = config.arm_length_m, config.footpath_length_m
    n, w, r = config.lanes // 2, config.lane_width_m, config.refuge_m
    half = n * w + r / 2
    _write(workdir / "crossing.nod.xml", f"""
<nodes>
    <node id="C" x="0.00" y="0.00" type="traffic_light"/>
    <node id="E" x="{a:.2f}" y="0.00" type="priority"/>
    <node id="W" x="{-a:.2f}" y="0.00" type="priority"/>
    <node id="N" x="0.00" y="{f + half:.2f}" type="priority"/>
    <node id="S" x="0.00" y="{-(f + half):.2f}" type="priority"/>
</nodes>""")
    lanes_n = n + (1 if r > 0 else 0)
    refuge_lane = (f'<lane index="{n}" disallow="all" width="{r / 2:.3f}"/>') if r > 0 else ""
    attrs = f'numLanes="{lanes_n}" width="{w:.3f}" disallow="pedestrian" speed="13.89" priority="2"'
    foot = 'numLanes="1" allow="pedestrian" speed="5.00" width="3.00" spreadType="center" priority="1"'
    road = "\n".join(f'    <edge id="{e}" from="{fr}" to="{to}" {attrs}>{refuge_lane}</edge>'
                     for e, fr, to in (("WC", "W", "C"), ("CE", "C", "E"), ("EC", "E", "C"), ("CW", "C", "W")))
    _write(workdir / "crossing.edg.xml", f"""
<edges>
{road}
    <edge id="NC" from="N" to="C" {foot}/>
    <edge id="CS" from="C" to="S" {foot}/>
</edges>""")
    _write(workdir / "crossing.con.xml", """
<connections>
    <crossing node="C" edges="CE EC" width="4"/>
</connections>""")
    net = workdir / "crossing.net.xml"
    subprocess.run(
        [sumolib.checkBinary("netconvert"), "-n", str(workdir / "crossing.nod.xml"),
         "-e", str(workdir / "crossing.edg.xml"), "-x", str(workdir / "crossing.con.xml"),
         "--no-turnarounds", "true", "--tls.default-type", "static", "-o", str(net), "--no-warnings", "true"],
        check=True, capture_output=True, text=True,
    )
    return net


def build_routes(workdir: Path, config: ScenarioConfig, seed: int) -> tuple[Path, dict, dict, set]:
    """Poisson walkers (both directions, a group each by its share, a speed from the group) and Poisson
    vehicles both ways, all on explicit departure times."""
    rng = np.random.default_rng(seed)
    lines = ['<routes>',
             '    <vType id="car" vClass="passenger" length="4.5" minGap="2.5" sigma="0.5"/>']
    entries: list[tuple[float, str]] = []
    speeds: dict[str, float] = {}
    groups: dict[str, str] = {}
    cards: set[str] = set()
    shares = np.array([g.share for g in config.groups])
    shares = shares / shares.sum()
    t, k = 0.0, 0
    rate = config.walkers_per_hour / 3600.0
    while rate > 0:
        t += rng.exponential(1.0 / rate)
        if t >= config.duration_s:
            break
        group = config.groups[int(rng.choice(len(config.groups), p=shares))]
        speed = group.draw(rng)
        pid = f"{group.name}{k}"
        speeds[pid], groups[pid] = speed, group.name
        if group.card_share and rng.random() < group.card_share:
            cards.add(pid)
        route = '<walk from="NC" to="CS"/>' if rng.random() < 0.5 else '<walk from="CS" to="NC"/>'
        # one vType per walker: desiredMaxSpeed is the walker's own speed, no further draw inside SUMO
        entries.append((t, f'    <vType id="vt_{pid}" vClass="pedestrian" desiredMaxSpeed="{speed:.3f}" '
                           f'speedFactor="1" speedDev="0" width="{0.9 if group.mobility_aid else 0.6}" '
                           f'length="{1.1 if group.mobility_aid else 0.3}"/>\n'
                           f'    <person id="{pid}" depart="{t:.1f}" type="vt_{pid}">{route}</person>'))
        k += 1
    for direction, (src, dst) in {"we": ("WC", "CE"), "ew": ("EC", "CW")}.items():
        t, k = 0.0, 0
        rate = config.vehicles_per_hour_per_direction / 3600.0
        while rate > 0:
            t += rng.exponential(1.0 / rate)
            if t >= config.duration_s:
                break
            entries.append((t, f'    <trip id="{direction}{k}" type="car" depart="{t:.1f}" from="{src}" to="{dst}" '
                               f'departLane="best" departSpeed="max"/>'))
            k += 1
    entries.sort(key=lambda e: e[0])
    lines += [e[1] for e in entries]
    lines.append('</routes>')
    path = workdir / f"{config.name}-seed{seed}.rou.xml"
    path.write_text("\n".join(lines) + "\n")
    return path, speeds, groups, cards


def build(workdir: Path, config: ScenarioConfig, seed: int, net_file: Path | None = None) -> Scenario:
    workdir.mkdir(parents=True, exist_ok=True)
    net = net_file or build_net(workdir, config)
    routes, speeds, groups, cards = build_routes(workdir, config, seed)
    return Scenario(workdir, net, routes, config, seed, speeds, groups, cards)


def draw_speed(rng, group: WalkerGroup) -> float:
    """One walker's speed from a group (numpy Generator or random.Random)."""
    if isinstance(rng, np.random.Generator):
        return group.draw(rng)
    if group.distribution == "uniform":
        return rng.uniform(group.min_mps, group.max_mps)
    return min(max(rng.gauss(group.mean_mps, group.sd_mps), group.min_mps), group.max_mps)
