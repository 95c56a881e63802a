"""Demo activity for transit boarding: buses post boardings with the test photos, through the HTTP API.

Who stands at the door is drawn the way a city's buses see it: an enrolled rider's card is mostly tapped by its
holder (another photo of the same person: verified), rarely by someone else (a mismatch, flagged for review);
riders who never enrolled ride on the card alone, and a route-101 regular sometimes boards without a card."""

import uuid
from datetime import UTC, datetime

import httpx

from services.transit.boarding.routes import ROUTES
from services.transit.boarding.seed import BUS_ROUTE, DEMO_RIDERS, DOOR_PHOTOS, FACES, OTHER_PEOPLE, card_id

# Of the boardings on an enrolled rider's card, the share where someone else holds it.
SOMEONE_ELSE = 0.04
# Of all boardings, the share without a card (a regular of route 101 identified by face, when allowed).
NO_CARD = 0.05
CARD_LESS = ("demo-rider-02", ["people/kit_harington/2.jpg"])


class Simulator:
    def __init__(self, *, base_url: str, credentials: dict, rng, rate: float):
        self.base_url, self.rng, self.rate = base_url, rng, rate
        devices = credentials.get("devices", {})
        self.buses = {name: devices[name]["key"] for name in BUS_ROUTE if name in devices}
        self.client = httpx.Client(base_url=base_url, timeout=30)
        wanted = {p for ps in DOOR_PHOTOS.values() for p in ps} | set(OTHER_PEOPLE) | set(CARD_LESS[1])
        self.photos = {p: (FACES / p).read_bytes() for p in sorted(wanted) if (FACES / p).is_file()}
        self.card_riders = [r[0] for r in DEMO_RIDERS if r[0] != CARD_LESS[0]]

    def step(self) -> None:
        if not self.buses:
            return
        # About one boarding every two seconds at rate 1; faces cost ~0.2 s of server CPU per frame.
        expected = 0.5 * self.rate
        count = int(expected) + (1 if self.rng.random() < expected - int(expected) else 0)
        for _ in range(min(count, 5)):
            self.board()

    def scene(self, route: str) -> tuple[str | None, list[str]]:
        """(card reference or None, frames) of one boarding on `route`."""
        if route == "101" and self.rng.random() < NO_CARD:
            return None, CARD_LESS[1]
        reference = self.rng.choice(self.card_riders)
        if reference not in DOOR_PHOTOS:
            return reference, []  # never enrolled: the card alone, the driver confirms a concession
        if self.rng.random() < SOMEONE_ELSE:
            return reference, [self.rng.choice(OTHER_PEOPLE)]
        return reference, [self.rng.choice(DOOR_PHOTOS[reference])]

    def board(self) -> dict:
        bus = self.rng.choice(sorted(self.buses))
        route = BUS_ROUTE[bus]
        reference, frames = self.scene(route)
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
