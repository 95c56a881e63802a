"""Demo activity for transit signals: detectors at each crossing report simulated walkers through the API.

Walkers arrive at random, wait at the kerb until the service's decision says WALK, then cross at their own
speed (a senior share per zone); each step every detector posts its tracks (noisy positions) and kerb count."""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from services.transit.signals.seed import SENIOR_SHARE
from services.transit.signals.sumo.scenario import ADULTS, SENIORS


@dataclass
class _Walker:
    track_id: str
    speed_mps: float
    position_m: float = 0.0
    crossing: bool = False
    points: list = field(default_factory=list)


@dataclass
class _Crossing:
    id: str
    key: str
    length_m: float = 14.0
    zone: str = "general"
    phase: str = "vehicle_green"
    waiting: list = field(default_factory=list)
    walking: list = field(default_factory=list)


class Simulator:
    def __init__(self, *, base_url: str, credentials: dict, rng, rate: float, client: httpx.Client | None = None):
        self.base_url, self.rng, self.rate = base_url, rng, rate
        self.client = client or httpx.Client(base_url=base_url, timeout=10.0)
        self.crossings = [
            _Crossing(id=d["place"], key=d["key"])
            for name, d in sorted(credentials.get("devices", {}).items())
            if d.get("kind") == "detector" and name.startswith("detector-") and d.get("place")
        ]
        self.bus_key = next((d["key"] for d in credentials.get("devices", {}).values() if d.get("kind") == "bus"), None)
        self.known = False

    def _learn(self, c: _Crossing) -> None:
        r = self.client.get(f"/v1/crossings/{c.id}", headers={"Authorization": f"Bearer {c.key}"})
        if r.status_code == 200:
            c.length_m, c.zone = r.json()["length_m"], r.json()["zone"]

    def step(self) -> None:
        now = datetime.now(UTC)
        for c in self.crossings:
            if not self.known:
                self._learn(c)
            self._move(c, now)
            self._post(c, now)
        self.known = True
        if self.bus_key and self.crossings and self.rng.random() < 0.01 * self.rate:
            c = self.rng.choice(self.crossings)
            self.client.post(f"/v1/crossings/{c.id}/advance-requests", json={"request_id": str(uuid.uuid4())},
                             headers={"Authorization": f"Bearer {self.bus_key}"})

    def _move(self, c: _Crossing, now: datetime) -> None:
        if self.rng.random() < 0.04 * self.rate:  # ~2.4 walkers a minute per crossing at rate 1
            senior = self.rng.random() < SENIOR_SHARE.get(c.zone, 0.25)
            group = SENIORS if senior else ADULTS
            speed = min(max(self.rng.gauss(group.mean_mps, group.sd_mps), group.min_mps), group.max_mps)
            c.waiting.append(_Walker(uuid.uuid4().hex[:12], speed))
        if c.waiting and self.rng.random() < 0.02:  # now and then someone gives up and walks away
            c.waiting.pop(0)
        if c.phase == "walk":
            c.walking += c.waiting
            c.waiting = []
        t = now.isoformat()
        for w in c.walking:
            w.position_m += w.speed_mps
            w.points = [{"t": t, "position_m": round(min(w.position_m, c.length_m) + self.rng.gauss(0, 0.1), 2)}]
        c.walking = [w for w in c.walking if w.position_m < c.length_m + 1.0]

    def _post(self, c: _Crossing, now: datetime) -> None:
        body = {
            "batch_id": str(uuid.uuid4()), "sent_at": now.isoformat(), "detector_status": "ok",
            "kerb_waiting": len(c.waiting),
            "tracks": [{"track_id": w.track_id, "points": w.points} for w in c.walking if w.points],
        }
        r = self.client.post(f"/v1/crossings/{c.id}/tracks", json=body, headers={"Authorization": f"Bearer {c.key}"})
        r.raise_for_status()
        c.phase = r.json()["decision"]["phase"]
