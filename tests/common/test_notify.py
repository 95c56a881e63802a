"""The notify plumbing against a real SMTP server (aiosmtpd, in-process on a free loopback port)."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from services.common.notify import (
    Channel,
    OutgoingMessage,
    PermanentSendError,
    RetryableSendError,
    SmtpChannel,
    next_attempt_at,
    retry_backoff,
)
from tests.support.smtp import mailbox  # noqa: F401
from tools.hardening import free_port


def test_smtp_channel_delivers_korean_mail_with_the_key_as_message_id(mailbox):  # noqa: F811
    box = mailbox
    channel = SmtpChannel(host=box.host, port=box.port, sender="alerts@aicity.example")
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


def test_transient_refusal_is_retryable_and_permanent_refusal_is_not(mailbox):  # noqa: F811
    box = mailbox
    box.refuse = {"busy@aicity.example": "450 mailbox busy", "gone@aicity.example": "550 no such user"}
    channel = SmtpChannel(host=box.host, port=box.port, sender="alerts@aicity.example")
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


def test_before_handover_runs_only_once_the_relay_took_the_recipient(mailbox):  # noqa: F811
    box = mailbox
    box.refuse = {"gone@aicity.example": "550 no such user"}
    channel = SmtpChannel(host=box.host, port=box.port, sender="alerts@aicity.example")
    calls = []
    with pytest.raises(PermanentSendError):
        channel.send(OutgoingMessage(to="gone@aicity.example", subject="s", body="b", key="k1"),
                     before_handover=lambda: calls.append(len(box.messages)))
    assert calls == []
    channel.send(OutgoingMessage(to="ok@aicity.example", subject="s", body="b", key="k2"),
                 before_handover=lambda: calls.append(len(box.messages)))
    assert calls == [0] and len(box.messages) == 1
