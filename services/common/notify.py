"""Outgoing-message plumbing: a channel-adapter interface, an SMTP e-mail channel and retry backoff.

No domain words here. Each service keeps its own outbox table and delivery job and calls a `Channel`:
`channel.send(message)` returns a `DeliveryReceipt` or raises `RetryableSendError` (try again later:
connection refused, timeout, 4xx SMTP reply) or `PermanentSendError` (do not retry: bad address, 5xx reply).
"""

from __future__ import annotations

import random
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import make_msgid
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class OutgoingMessage:
    """One message to one recipient. `key` is the sender's idempotency key (e.g. the outbox row id):
    it travels with the message (as the Message-ID for e-mail) so a receiver can spot a repeat."""

    to: str
    subject: str
    body: str
    key: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DeliveryReceipt:
    channel: str
    to: str
    provider_id: str  # the id the channel gave the message (Message-ID for e-mail)
    accepted_at: datetime
    detail: str = ""


class SendError(Exception):
    """A delivery attempt failed; `retryable` says whether the same message may be tried again."""

    retryable: bool = True

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class RetryableSendError(SendError):
    retryable = True


class PermanentSendError(SendError):
    retryable = False


@runtime_checkable
class Channel(Protocol):
    name: str

    def send(self, message: OutgoingMessage, *, before_handover: Callable[[], None] | None = None
             ) -> DeliveryReceipt: ...


@dataclass
class SmtpChannel:
    """E-mail through an SMTP relay (plain, STARTTLS or implicit TLS). One connection per send: outboxes
    deliver a handful of messages per run, and a fresh connection cannot carry a half-failed session over."""

    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    security: str = "none"  # none | starttls | tls
    timeout_s: float = 10.0
    name: str = "email"

    def _message_id(self, message: OutgoingMessage) -> str:
        domain = self.sender.rpartition("@")[2] or "localhost"
        safe_key = "".join(c if c.isalnum() or c in "-._" else "-" for c in message.key)
        return f"<{safe_key}@{domain}>" if safe_key else make_msgid(domain=domain)

    def build(self, message: OutgoingMessage) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail["Message-ID"] = self._message_id(message)
        for name, value in message.headers.items():
            mail[name] = value
        mail.set_content(message.body)
        return mail

    def send(self, message: OutgoingMessage, *, before_handover: Callable[[], None] | None = None
             ) -> DeliveryReceipt:
        """`before_handover` runs after the relay accepted sender and recipient and just before the DATA
        command: up to there nothing was delivered, so a sender that records the call (in its own committed
        transaction) knows after a crash whether a retry could send the message twice."""
        if "@" not in message.to:
            raise PermanentSendError(f"not an e-mail address: {message.to!r}")
        mail = self.build(message)
        try:
            if self.security == "tls":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout_s, context=ssl.create_default_context()
                )
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
            with client:
                if self.security == "starttls":
                    client.starttls(context=ssl.create_default_context())
                if self.username:
                    client.login(self.username, self.password or "")
                client.ehlo_or_helo_if_needed()
                code, reply = client.mail(self.sender)
                if code != 250:
                    raise _classify(code, f"sender refused: {code} {reply!r}")
                code, reply = client.rcpt(message.to)
                if code not in (250, 251):
                    raise _classify(code, f"recipient refused: {code} {reply!r}")
                if before_handover is not None:
                    before_handover()
                client.data(mail.as_bytes(policy=SMTP_POLICY))
        except SendError:
            raise
        except smtplib.SMTPResponseException as exc:
            raise _classify(exc.smtp_code, f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        except OSError as exc:  # refused, reset, timed out, disconnected (SMTPException is an OSError)
            raise RetryableSendError(f"{type(exc).__name__}: {exc}") from exc
        return DeliveryReceipt(
            channel=self.name, to=message.to, provider_id=mail["Message-ID"], accepted_at=datetime.now(UTC)
        )


def _classify(code: int, detail: str) -> SendError:
    """SMTP replies: 4xx are transient (RFC 5321 section 4.2.1), 5xx permanent."""
    return RetryableSendError(detail) if 400 <= int(code) < 500 else PermanentSendError(detail)


def retry_backoff(
    attempt: int,
    *,
    base_s: float = 30.0,
    factor: float = 2.0,
    max_s: float = 3600.0,
    jitter: float = 0.0,
    rng: random.Random | None = None,
) -> timedelta:
    """Delay before retry number `attempt` (1 = after the first failure): base * factor**(attempt-1),
    capped at max_s; `jitter` (0..1) takes off up to that fraction at random so senders spread out."""
    if attempt < 1:
        raise ValueError("attempt starts at 1")
    delay = min(max_s, base_s * factor ** (attempt - 1))
    if jitter:
        delay -= delay * jitter * (rng or random).random()
    return timedelta(seconds=delay)


def next_attempt_at(
    now: datetime, attempt: int, *, max_attempts: int, **backoff
) -> datetime | None:
    """When to try again after failed attempt number `attempt`, or None when the attempts are used up."""
    if attempt >= max_attempts:
        return None
    return now + retry_backoff(attempt, **backoff)
