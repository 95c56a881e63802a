"""The detector between SUMO and the controller: what a kerb camera really reports, not SUMO's ground truth.

It sees both kerb zones and, from each kerb, `fov_from_kerb_m` of the crossing; each second it finds a walker
in view with `detect_prob`; a track unseen for `drop_after_s` is dropped (found again, the walker gets a new
id, as trackers do); ids switch at `id_switch_per_s`; positions carry Gaussian noise; reports arrive
`latency_s` late. Kerb intent comes from the zones: someone standing in a kerb zone is waiting to cross, and
a track first seen in a kerb zone entered the crossing from that kerb. A track found mid-crossing (after a
drop or a switch) has no known kerb: its direction is read from its own motion, or guessed from the nearer
kerb until it has moved. SUMO's routes are never read."""

from dataclasses import dataclass, field

import numpy as np

from services.transit.signals.sumo.scenario import DetectorParams

STANDING_MPS = 0.2  # below this, someone in a kerb zone is waiting


@dataclass
class Report:
    observed_s: float
    tracks: dict[str, float]  # track id -> position along the crossing, metres from the south kerb (noisy)
    kerb_waiting: int
    origins: dict[str, str]  # track id -> "N" | "S", for tracks first seen in a kerb zone


@dataclass
class _Person:
    track_id: str
    last_seen_s: float
    origin: str | None


@dataclass
class Detector:
    params: DetectorParams
    length_m: float
    rng: np.random.Generator
    _people: dict[str, _Person] = field(default_factory=dict)
    _queue: list[Report] = field(default_factory=list)
    _next_id: int = 0
    switches: int = 0
    drops: int = 0
    misses: int = 0

    def _new_track(self, now_s: float, origin: str | None) -> _Person:
        self._next_id += 1
        return _Person(f"t{self._next_id}", now_s, origin)

    def in_view(self, x_from_s: float) -> bool:
        fov = self.params.fov_from_kerb_m
        return fov is None or x_from_s <= fov or x_from_s >= self.length_m - fov

    def observe(self, now_s: float, *, crossing: dict[str, float], kerb: dict[str, tuple[str, float]]) -> None:
        """One frame: `crossing` = person -> true position from the south kerb; `kerb` = person -> (side, speed)."""
        p = self.params
        tracks: dict[str, float] = {}
        origins: dict[str, str] = {}
        waiting = 0
        present = set(crossing) | set(kerb)
        for pid in list(self._people):
            if pid not in present:
                del self._people[pid]
        for pid in sorted(present):  # a fixed order: the same draws for the same people whatever the hash seed
            side = kerb[pid][0] if pid in kerb else None
            visible = side is not None or self.in_view(crossing[pid])
            if not visible or self.rng.random() >= p.detect_prob:
                if visible:
                    self.misses += 1
                continue
            person = self._people.get(pid)
            if person is None:
                person = self._new_track(now_s, side)
            elif now_s - person.last_seen_s > p.drop_after_s + 1e-9:
                self.drops += 1
                person = self._new_track(now_s, side)
            elif p.id_switch_per_s and self.rng.random() < p.id_switch_per_s * p.period_s:
                self.switches += 1
                person = self._new_track(now_s, side)
            if side is not None and pid not in crossing:
                person.origin = side  # standing or walking in a kerb zone: that is where they will start
            person.last_seen_s = now_s
            self._people[pid] = person
            if pid in crossing:
                tracks[person.track_id] = crossing[pid] + float(self.rng.normal(0.0, p.noise_m))
                if person.origin:
                    origins[person.track_id] = person.origin
            elif kerb[pid][1] < STANDING_MPS:
                waiting += 1
        self._queue.append(Report(now_s, tracks, waiting, origins))

    def deliver(self, now_s: float) -> list[Report]:
        """Reports that have reached the controller by now (each `latency_s` after it was taken)."""
        ready = [r for r in self._queue if r.observed_s + self.params.latency_s <= now_s + 1e-9]
        self._queue = self._queue[len(ready):]
        return ready


def walked_points(raw: list[tuple[float, float]], origin: str | None, length_m: float) -> list[tuple[float, float]]:
    """A track's points as metres walked from the kerb it entered at. Without a known kerb: from the track's
    own motion once it has moved 0.5 m, else the nearer kerb."""
    if origin is None:
        moved = raw[-1][1] - raw[0][1] if len(raw) >= 2 else 0.0
        if abs(moved) >= 0.5:
            origin = "S" if moved > 0 else "N"
        else:
            origin = "S" if raw[-1][1] < length_m / 2 else "N"
    if origin == "S":
        return list(raw)
    return [(t, length_m - x) for t, x in raw]
