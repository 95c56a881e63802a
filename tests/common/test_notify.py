"""The notify plumbing against a real SMTP server (aiosmtpd, in-process on a free loopback port)."""

import random
import socket
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller

from services.common.notify import (
    Channel,
    OutgoingMessage,
    PermanentSendError,
    RetryableSendError,
    SmtpChannel,
    next_attempt_at,
    retry_backoff,
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """aiosmtpd handler: keeps every accepted message; can refuse recipients with a chosen reply."""

    def __init__(self):
        self.messages = []
        self.refuse: dict[str, str] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield box, controller
    finally:
        controller.stop()


def test_smtp_channel_delivers_korean_mail_with_the_key_as_message_id(smtp_server):
    box, controller = smtp_server
    channel = SmtpChannel(host=controller.hostname, port=controller.port, sender="alerts@aicity.example")
    assert isinstance(channel, Channel)
    receipt = channel.send(OutgoingMessage(
        to="nurse@aicity.example", subject="확인이 필요해요", body="위기 혈압 알림이에요.", key="outbox-42",
        headers={"X-Outbox-Key": "outbox-42"},
    ))
    assert len(box.messages) == 1
    mail = box.messages[0]
    assert mail["To"] == "nurse@aicity.example" and mail["Subject"] == "확인이 필요해요"
    assert mail.get_content().strip() == "위기 혈압 알림이에요."
    assert mail["Message-ID"] == "<outbox-42@aicity.example>" == receipt.provider_id
    assert mail["X-Outbox-Key"] == "outbox-42"
    assert receipt.channel == "email" and receipt.to == "nurse@aicity.example"


def test_transient_refusal_is_retryable_and_permanent_refusal_is_not(smtp_server):
    box, controller = smtp_server
    box.refuse = {"busy@aicity.example": "450 mailbox busy", "gone@aicity.example": "550 no such user"}
    channel = SmtpChannel(host=controller.hostname, port=controller.port, sender="alerts@aicity.example")
    with pytest.raises(RetryableSendError):
        channel.send(OutgoingMessage(to="busy@aicity.example", subject="s", body="b", key="k1"))
    with pytest.raises(PermanentSendError):
        channel.send(OutgoingMessage(to="gone@aicity.example", subject="s", body="b", key="k2"))
    with pytest.raises(PermanentSendError):
        channel.send(OutgoingMessage(to="not-an-address", subject="s", body="b", key="k3"))
    assert box.messages == []


def test_no_server_listening_is_retryable():
    channel = SmtpChannel(host="127.0.0.1", port=free_port(), sender="a@b.example", timeout_s=2)
    with pytest.raises(RetryableSendError):
        channel.send(OutgoingMessage(to="x@y.example", subject="s", body="b", key="k"))


def test_backoff_doubles_up_to_the_cap_and_jitter_only_shortens():
    assert [retry_backoff(n, base_s=30, max_s=300).total_seconds() for n in range(1, 7)] == [
        30, 60, 120, 240, 300, 300]
    rng = random.Random(7)
    for n in range(1, 10):
        full = retry_backoff(n, base_s=10, max_s=600)
        jittered = retry_backoff(n, base_s=10, max_s=600, jitter=0.5, rng=rng)
        assert full / 2 <= jittered <= full
    with pytest.raises(ValueError):
        retry_backoff(0)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    assert next_attempt_at(now, 1, max_attempts=3, base_s=30) == now + timedelta(seconds=30)
    assert next_attempt_at(now, 3, max_attempts=3) is None


def test_before_handover_runs_only_once_the_relay_took_the_recipient(smtp_server):
    box, controller = smtp_server
    box.refuse = {"gone@aicity.example": "550 no such user"}
    channel = SmtpChannel(host=controller.hostname, port=controller.port, sender="alerts@aicity.example")
    calls = []
    with pytest.raises(PermanentSendError):
        channel.send(OutgoingMessage(to="gone@aicity.example", subject="s", body="b", key="k1"),
                     before_handover=lambda: calls.append(len(box.messages)))
    assert calls == []
    channel.send(OutgoingMessage(to="ok@aicity.example", subject="s", body="b", key="k2"),
                 before_handover=lambda: calls.append(len(box.messages)))
    assert calls == [0] and len(box.messages) == 1
