"""The escalation outbox: escalating an alert writes its notifications in the same transaction; a delivery run
claims them one at a time, hands them to a channel and records the result (retry with backoff, never twice)."""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from services.common.citytime import CITY_ZONE
from services.common.db import insert_for
from services.common.notify import (
    Channel,
    OutgoingMessage,
    PermanentSendError,
    SendError,
    SmtpChannel,
    next_attempt_at,
)
from services.health_hubs.care.domain import ESCALATION_CHAIN, LEVEL_NAMES_KO, levels_due
from services.health_hubs.care.models import Alert, EscalationContact, Notification
from services.health_hubs.readings.models import Reading

KIND_KO = {"bp_crisis": "위기 혈압", "hypoglycaemia": "저혈당"}
MAX_LEVEL = max(step.level for step in ESCALATION_CHAIN)


def compose(alert: Alert, reading: Reading | None, level: int) -> tuple[str, str]:
    """Subject and body. No name or contact detail of the resident: e-mail is not a safe place for them, and
    the person told may not be allowed to see the record (the dashboard checks that when they open it)."""
    kind = KIND_KO.get(alert.kind, alert.kind)
    value = ""
    if reading is not None:
        value = (f"{reading.systolic}/{reading.diastolic} mmHg" if reading.kind == "bp"
                 else f"{reading.glucose_mg_dl} mg/dL")
    at = alert.created_at.astimezone(CITY_ZONE).strftime("%m월 %d일 %H:%M")
    subject = f"[{kind} 알림] {alert.centre_id} 센터 · {LEVEL_NAMES_KO.get(level, level)} 확인이 필요해요"
    body = (f"{alert.centre_id} 센터({alert.district})에서 {at}에 {kind} 알림이 생겼어요 ({value}).\n"
            f"센터에서 아직 확인하지 않아 {LEVEL_NAMES_KO.get(level, level)}께 알려 드려요.\n"
            f"센터에 전화하고, 대시보드의 '오늘의 센터' 화면에서 알림을 확인해 주세요.\n"
            f"알림 번호: {alert.id}\n")
    return subject, body


def escalate_overdue(session: Session, *, now: datetime) -> dict:
    """Moves every open, unacknowledged alert past its deadlines up the chain, level by level, and writes one
    notification per level and contact. Each step is a conditional update (level still the one we read), so
    two runs at once cannot both escalate, and the outbox's unique key stops a second copy."""
    escalated = written = 0
    alerts = session.exec(select(Alert).where(
        Alert.status == "open", Alert.escalation_level < MAX_LEVEL, Alert.ack_due_at <= now)).all()
    for alert in alerts:
        level = alert.escalation_level
        for target in levels_due(status=alert.status, level=level, ack_due_at=alert.ack_due_at, now=now):
            moved = session.execute(update(Alert).where(
                Alert.id == alert.id, Alert.status == "open", Alert.escalation_level == level,
            ).values(escalation_level=target, escalated_at=now)).rowcount
            if not moved:
                break
            escalated += 1
            written += _write_notifications(session, alert=alert, level=target, now=now)
            level = target
    return {"escalated": escalated, "notifications": written}


def _write_notifications(session: Session, *, alert: Alert, level: int, now: datetime) -> int:
    contacts = session.exec(select(EscalationContact).where(
        EscalationContact.district == alert.district, EscalationContact.level == level,
        EscalationContact.active.is_(True))).all()
    reading = session.get(Reading, alert.reading_id)
    subject, body = compose(alert, reading, level)
    if not contacts:  # nobody on the chain: recorded, so the alert shows that no one was told
        rows = [dict(channel="none", recipient_name="", address="", status="failed", last_error="no_contact")]
    else:
        rows = [dict(channel=c.channel, recipient_name=c.name, address=c.address, status="pending")
                for c in contacts]
    n = 0
    for row in rows:
        session.execute(insert_for(session, Notification.__table__).values(
            id=uuid.uuid4(), alert_id=alert.id, level=level, subject=subject, body=body, attempts=0,
            created_at=now, next_attempt_at=now, **row,
        ).on_conflict_do_nothing(index_elements=["alert_id", "level", "address"]))
        n += 1
    return n


def notifications_of(session: Session, alert_ids: list) -> dict:
    if not alert_ids:
        return {}
    out: dict = {}
    for n in session.exec(select(Notification).where(Notification.alert_id.in_(alert_ids))
                          .order_by(Notification.level, Notification.created_at)).all():
        out.setdefault(n.alert_id, []).append(n)
    return out


# ---- delivery -------------------------------------------------------------------------------------------------


def channel_for(settings) -> Channel:
    return SmtpChannel(host=settings.smtp_host, port=settings.smtp_port, sender=settings.smtp_sender,
                       security=settings.smtp_security)


def recover_abandoned(engine: Engine, *, now: datetime) -> dict:
    """Claims whose sender died: 'sending' had handed nothing over, so it goes back to the queue; 'handing_over'
    may have reached the relay, so it becomes 'uncertain' and is never sent again (never twice)."""
    with Session(engine) as session:
        requeued = session.execute(update(Notification).where(
            Notification.status == "sending", Notification.claimed_until < now,
        ).values(status="pending", claimed_until=None, next_attempt_at=now)).rowcount
        uncertain = session.execute(update(Notification).where(
            Notification.status == "handing_over", Notification.claimed_until < now,
        ).values(status="uncertain", claimed_until=None,
                 last_error="the delivery run stopped while handing over; it may have arrived")).rowcount
        session.commit()
    return {"requeued": requeued, "uncertain": uncertain}


def _claim_next(engine: Engine, *, now: datetime, claim_s: int, skip: set) -> Notification | None:
    with Session(engine) as session:
        candidates = session.exec(select(Notification.id).where(
            Notification.status == "pending",
            or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now),
        ).order_by(Notification.created_at).limit(20)).all()
        for nid in candidates:
            if nid in skip:
                continue
            got = session.execute(update(Notification).where(
                Notification.id == nid, Notification.status == "pending",
            ).values(status="sending", claimed_until=now + timedelta(seconds=claim_s),
                     attempts=Notification.attempts + 1)).rowcount
            session.commit()
            if got:
                return session.get(Notification, nid)
    return None


def _set(engine: Engine, nid, *, expect: tuple[str, ...], **values) -> int:
    with Session(engine) as session:
        n = session.execute(update(Notification).where(
            Notification.id == nid, Notification.status.in_(expect)).values(**values)).rowcount
        session.commit()
    return n


def deliver_pending(engine: Engine, *, settings, now: datetime, channel: Channel | None = None,
                    limit: int = 100) -> dict:
    """One delivery run: recover dead claims, then send due notifications one by one, each in its own steps
    (claim -> handing over -> sent), every step committed, so a run killed at any point loses nothing and
    sends nothing twice."""
    channel = channel or channel_for(settings)
    summary = {"sent": 0, "retry": 0, "failed": 0, **recover_abandoned(engine, now=now)}
    tried: set = set()
    for _ in range(limit):
        row = _claim_next(engine, now=now, claim_s=settings.notify_claim_s, skip=tried)
        if row is None:
            break
        tried.add(row.id)
        message = OutgoingMessage(to=row.address, subject=row.subject, body=row.body, key=f"notification-{row.id}",
                                  headers={"X-AICity-Alert": str(row.alert_id), "X-AICity-Level": str(row.level)})
        try:
            receipt = channel.send(message, before_handover=lambda nid=row.id: _set(
                engine, nid, expect=("sending",), status="handing_over"))
        except SendError as exc:
            retry_at = None if isinstance(exc, PermanentSendError) else next_attempt_at(
                now, row.attempts, max_attempts=settings.notify_max_attempts, base_s=settings.notify_backoff_s,
                max_s=settings.notify_backoff_max_s)
            _set(engine, row.id, expect=("sending", "handing_over"),
                 status="pending" if retry_at else "failed", next_attempt_at=retry_at, claimed_until=None,
                 last_error=exc.detail[:400])
            summary["retry" if retry_at else "failed"] += 1
            continue
        _set(engine, row.id, expect=("sending", "handing_over"), status="sent", sent_at=now, claimed_until=None,
             provider_id=receipt.provider_id[:200], last_error=None)
        summary["sent"] += 1
    return summary
