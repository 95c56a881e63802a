"""Demo activity for transit boarding: buses post boardings with the test photos, through the HTTP API."""

import uuid
from datetime import UTC, datetime

import httpx

from services.common.settings import REPO_ROOT
from services.transit.boarding.routes import ROUTES
from services.transit.boarding.seed import BUS_ROUTE, DEMO_RIDERS, card_id

PHOTOS = REPO_ROOT / "tests" / "fixtures" / "faces"
# Who stands at the door: (card reference or None, frames)
SCENES = [
    # the holder: verified (one frame: two different photos as frames are a sequence of stills, and flagged)
    ("demo-rider-01", ["people/obama/2.jpg"]),
    ("demo-rider-01", ["people/biden/2.jpg"]),  # someone else on a senior card: mismatch, flagged
    # a regular of route 101 without a card: at the shipped identify threshold dlib mostly answers `unknown`
    (None, ["people/kit_harington/2.jpg"]),
    ("demo-rider-03", ["people/rose_leslie/2.jpg"]),
    ("demo-rider-04", []),  # never enrolled: the card alone works
    ("demo-rider-06", []),
    ("demo-rider-07", []),
]


class Simulator:
    def __init__(self, *, base_url: str, credentials: dict, rng, rate: float):
        self.base_url, self.rng, self.rate = base_url, rng, rate
        devices = credentials.get("devices", {})
        self.buses = {name: devices[name]["key"] for name in BUS_ROUTE if name in devices}
        self.client = httpx.Client(base_url=base_url, timeout=30)
        self.photos = {p: (PHOTOS / p).read_bytes() for _, frames in SCENES for p in frames
                       if (PHOTOS / p).is_file()}

    def step(self) -> None:
        if not self.buses:
            return
        # About one boarding every two seconds at rate 1; faces cost ~0.2 s of server CPU per frame.
        expected = 0.5 * self.rate
        count = int(expected) + (1 if self.rng.random() < expected - int(expected) else 0)
        for _ in range(min(count, 5)):
            self.board()

    def board(self) -> dict:
        bus = self.rng.choice(sorted(self.buses))
        route = BUS_ROUTE[bus]
        reference, frames = self.rng.choice(SCENES)
        if reference is None and route != "101":
            reference = self.rng.choice(DEMO_RIDERS)[0]
        data = {"event_id": str(uuid.uuid4()), "bus_id": bus, "route_id": route,
                "stop_id": self.rng.choice(ROUTES[route]), "occurred_at": datetime.now(UTC).isoformat()}
        if reference:
            data["card_id"] = card_id(reference)
        files = [("frames", (f"{i}.jpg", self.photos[p], "image/jpeg")) for i, p in enumerate(frames)
                 if p in self.photos]
        r = self.client.post("/v1/boardings", data=data, files=files or None,
                             headers={"Authorization": f"Bearer {self.buses[bus]}"})
        r.raise_for_status()
        return r.json()
