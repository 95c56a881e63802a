"""Helpers of the safety tests: a real SMTP server (aiosmtpd on a free loopback port) and a site with a detector."""

import socket
import uuid
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy

import pytest

from tests.industry.factories import iso, make_plant

MANAGER = "safety.manager@works.example"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_port():
    """A free port with nothing listening yet (a relay that is down); `start_smtp(port)` brings one up there."""
    return free_port()


@pytest.fixture
def start_smtp():
    from aiosmtpd.controller import Controller

    started = []

    def start(port: int) -> Mailbox:
        box = Mailbox()
        controller = Controller(box, hostname="127.0.0.1", port=port)
        controller.start()
        started.append(controller)
        return box

    yield start
    for c in started:
        c.stop()


def make_safety_site(client, auth, *, site_id: str | None = None, detector: str = "gd1",
                     bump_at: datetime | None = None, stale_after_s: float = 120) -> dict:
    site_id = site_id or f"sw-{uuid.uuid4().hex[:6]}"
    plant = make_plant(client, auth, site_id=site_id)
    admin = plant["admin"]
    r = client.put(f"/v1/safety/sites/{site_id}", headers=admin, json={
        "manager_name": "김안전", "manager_email": MANAGER,
        "gas_limits": {"co": {"high": 25}}, "gas_limits_source": "사업장 밀폐공간 작업 프로그램 2026"})
    assert r.status_code == 200, r.text
    r = client.post("/v1/safety/detectors", headers=admin, json={
        "id": detector, "work_unit_id": plant["work_unit_id"], "space": "BF-2 dust catcher",
        "kind": "portable", "stale_after_s": stale_after_s,
        "last_bump_at": iso(bump_at or datetime.now(UTC) - timedelta(hours=1))})
    assert r.status_code == 201, r.text
    return {**plant, "detector": r.json()}


def gas(detector: str, ts: datetime, **values) -> list[dict]:
    return [{"sensor": f"{detector}.{g}", "ts": iso(ts), "value": v} for g, v in values.items()]
