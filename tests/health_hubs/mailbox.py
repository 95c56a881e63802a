"""A real SMTP server for the health hubs tests: aiosmtpd in-process on a free loopback port, keeping every
message it accepts; RCPT can be slowed down (to catch a sender mid-way) or refused with a chosen reply."""

import asyncio
import socket
import threading
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    def __init__(self):
        self.messages = []
        self.refuse: dict[str, str] = {}
        self.rcpt_delay_s = 0.0
        self.lock = threading.Lock()

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


@pytest.fixture
def mailbox():
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.host, box.port = controller.hostname, controller.port
    try:
        yield box
    finally:
        controller.stop()
