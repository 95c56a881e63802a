"""Safety jobs: detector faults over time, and delivery of the escalation outbox (each message sent once)."""

import logging
from urllib.parse import urlparse

from sqlmodel import Session

from services.common.notify import Channel, OutgoingMessage, SendError, SmtpChannel
from services.industry.safety import service

log = logging.getLogger("aicity.industry.safety")


def check_gas_detectors(engine, *, now) -> dict:
    with Session(engine) as session:
        result = service.check_detectors(session, now=now)
        session.commit()
    return result


def channel_from_settings(settings) -> Channel | None:
    if not settings.safety_smtp_url:
        return None
    url = urlparse(settings.safety_smtp_url)
    if url.scheme not in ("smtp", "smtps") or not url.hostname:
        raise ValueError(f"INDUSTRY_SAFETY_SMTP_URL must look like smtp://host:25, not {settings.safety_smtp_url!r}")
    return SmtpChannel(host=url.hostname, port=url.port or (465 if url.scheme == "smtps" else 25),
                       sender=settings.safety_mail_from, username=url.username, password=url.password,
                       security="tls" if url.scheme == "smtps" else "none")


def deliver_safety_mail(engine, *, settings, now, channel: Channel | None = None) -> dict:
    """Sends due outbox messages, one at a time: `handover` is committed just before the SMTP DATA command and
    `sent` right after it, so a later run never sends a message twice; a failure before the hand-over is retried
    after the backoff wait, a permanent one (bad address) is marked failed."""
    channel = channel or channel_from_settings(settings)
    if channel is None:
        return {"skipped": "INDUSTRY_SAFETY_SMTP_URL not set"}
    sent = failed = 0
    with Session(engine) as session:
        ids = [row.id for row in service.claim_due(session, now=now)]
    for row_id in ids:
        with Session(engine) as session:
            row = service.claim_one(session, row_id=row_id, now=now)
            if row is None:
                continue  # another worker took it, or it is no longer due

            def handover(session=session, row=row) -> None:
                service.mark_handover(session, row=row, now=now)
                session.commit()

            message = OutgoingMessage(to=row.recipient, subject=row.subject, body=row.body,
                                      key=f"safety-{row.id}-{row.event}")
            try:
                channel.send(message, before_handover=handover)
                error, retryable = None, False
            except SendError as exc:
                error, retryable = exc.detail, exc.retryable
                log.warning("safety mail %s failed: %s", row_id, error)
            service.mark_result(session, row=row, error=error, retryable=retryable, now=now)
            session.commit()
            sent += error is None
            failed += error is not None
    return {"sent": sent, "failed": failed}
