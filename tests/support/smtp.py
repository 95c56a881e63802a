"""A real SMTP server for the tests: aiosmtpd in-process on a loopback port, keeping every message it accepts;
RCPT can be slowed down (to catch a sender mid-way) or refused with a chosen reply."""

import asyncio
import threading
from contextlib import contextmanager
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller

from tools.hardening import free_port


class Mailbox:
    """aiosmtpd handler; `host` and `port` are set once it listens."""

    def __init__(self):
        self.messages = []
        self.refuse: dict[str, str] = {}
        self.rcpt_delay_s = 0.0
        self.lock = threading.Lock()
        self.host, self.port = "127.0.0.1", 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_delay_s:
            await asyncio.sleep(self.rcpt_delay_s)
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]


def start_mailbox(port: int | None = None) -> tuple[Mailbox, Controller]:
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port or free_port())
    controller.start()
    box.host, box.port = controller.hostname, controller.port
    return box, controller


@contextmanager
def running_mailbox(port: int | None = None):
    box, controller = start_mailbox(port)
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def mailbox():
    with running_mailbox() as box:
        yield box


@pytest.fixture
def smtp_port():
    """A free port with nothing listening yet (a relay that is down); `start_smtp(port)` brings one up there."""
    return free_port()


@pytest.fixture
def start_smtp():
    """`start_smtp(port) -> Mailbox`: a relay brought up mid-test; stopped at the end."""
    started = []

    def start(port: int) -> Mailbox:
        box, controller = start_mailbox(port)
        started.append(controller)
        return box

    yield start
    for c in started:
        c.stop()
