"""Boarding fixtures: real photos from tests/fixtures/faces, their encodings computed once per session, and a
small API helper for kiosk and bus calls."""

import io
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from services.transit.boarding.routes import ROUTES

FACES = Path(__file__).resolve().parents[2] / "fixtures" / "faces"


def photo(name: str) -> bytes:
    return (FACES / name).read_bytes()


def shrunk(name: str, max_side: int = 1024) -> bytes:
    """A smaller JPEG of a fixture photo: same face, less decoding in tests that only need a face."""
    image = Image.open(FACES / name).convert("RGB")
    image.thumbnail((max_side, max_side))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    return out.getvalue()


def moved(name: str, *, dx: int, dy: int, angle: float, scale: float) -> bytes:
    """The same photo shifted, turned and scaled as one flat plane: a print held up and moved."""
    image = Image.open(FACES / name).convert("RGB")
    image.thumbnail((640, 640))
    w, h = image.size
    image = image.resize((round(w * scale), round(h * scale))).rotate(angle, translate=(dx, dy), fillcolor=(90, 90, 90))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    return out.getvalue()


@pytest.fixture(scope="session")
def encoded():
    """Face encodings of fixture photos, computed once: name -> Frame."""
    from services.transit.boarding import faces

    cache: dict[str, object] = {}

    def get(name: str):
        if name not in cache:
            cache[name] = faces.read_frame(shrunk(name), max_bytes=10**8, max_pixels=10**8)
        return cache[name]

    return get


def recent() -> datetime:
    """A boarding a few minutes ago: inside TRANSIT_BOARDING_*_WINDOW* (a live one outside them is recorded at
    the server's time, README "Sync protocol")."""
    return datetime.now(UTC) - timedelta(minutes=3)


class BoardingApi:
    def __init__(self, client, auth, *, bus_id: str = "bus-101"):
        self.client = client
        self.kiosk = auth.device_headers("enrolment_kiosk", "kiosk-1")
        self.bus_id = bus_id
        self.bus = auth.device_headers("bus", bus_id)
        self.official = auth.headers("official")
        self.admin = auth.headers("admin")

    def rider(self, *, routes=(), mobility_needs=False) -> str:
        r = self.client.post("/v1/riders", headers=self.kiosk,
                             json={"regular_routes": list(routes), "mobility_needs": mobility_needs})
        assert r.status_code == 201, r.text
        return r.json()["id"]

    def enrol(self, rider_id: str, *names: str, identification: bool = True):
        files = [("photos", (f"{i}.jpg", shrunk(n), "image/jpeg")) for i, n in enumerate(names)]
        return self.client.put(f"/v1/riders/{rider_id}/face", headers=self.kiosk, files=files,
                               data={"consent_version": "face-2025-07", "consent_card_check": "true",
                                     "consent_identification": str(identification).lower()})

    def card(self, rider_id: str, concession: str = "senior", card_id: str | None = None) -> str:
        card_id = card_id or f"C{uuid.uuid4().hex[:10]}"
        r = self.client.post("/v1/cards", headers=self.kiosk,
                             json={"card_id": card_id, "rider_id": rider_id, "concession": concession})
        assert r.status_code == 201, r.text
        return card_id

    def event(self, *, card_id=None, route_id="101", stop_id=None, event_id=None, occurred_at=None) -> dict:
        """A boarding on a real route of services/transit/boarding/routes.py (default: its first stop)."""
        stop_id = stop_id or ROUTES.get(route_id, ["S1"])[0]
        return {"event_id": str(event_id or uuid.uuid4()), "bus_id": self.bus_id, "route_id": route_id,
                "stop_id": stop_id, "occurred_at": (occurred_at or recent()).isoformat(),
                **({"card_id": card_id} if card_id else {})}

    def board(self, frames: list[bytes], **event):
        data = self.event(**event)
        files = [("frames", (f"{i}.jpg", f, "image/jpeg")) for i, f in enumerate(frames)]
        return self.client.post("/v1/boardings", headers=self.bus, data=data, files=files or None)


@pytest.fixture
def api(client_for, auth) -> BoardingApi:
    return BoardingApi(client_for("transit"), auth)


def same_vector(a, b) -> bool:
    return bool(np.allclose(np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32), atol=1e-6))
