"""Jobs of the talent_academy service, run by `aicity worker`; each opens its own transaction."""

import logging

from sqlmodel import Session

from services.common.jobs import Job
from services.talent_academy.enrolment import service

log = logging.getLogger("aicity.talent_academy.outbox")


def _in_transaction(engine, body, **kwargs) -> dict:
    with Session(engine, expire_on_commit=False) as session:
        summary = body(session, **kwargs)
        session.commit()
    return summary


def expire_offers(engine, *, settings, now) -> dict:
    """Lapsed seat offers free their seat, which is offered to the next person on the waitlist."""
    return _in_transaction(engine, service.expire_offers, now=now)


def remind_offers(engine, *, settings, now) -> dict:
    return _in_transaction(engine, service.remind_offers, now=now)


def release_reservations(engine, *, settings, now) -> dict:
    return _in_transaction(engine, service.release_reservations, now=now)


def log_delivery(note) -> None:
    """The delivery channel is the world's edge (SMS, e-mail); the demo channel writes a log line."""
    log.info("notify %s learner=%s enrolment=%s %s", note.kind, note.learner_id, note.enrolment_id, note.payload)


def drain_notifications(engine, *, settings, now, deliver=log_delivery) -> dict:
    return _in_transaction(engine, service.drain_outbox, now=now, deliver=deliver)


JOBS: list[Job] = [
    Job("talent_academy.expire_offers", expire_offers, {"trigger": "interval", "minutes": 5},
        "lapsed seat offers move on to the next person"),
    Job("talent_academy.remind_offers", remind_offers, {"trigger": "interval", "minutes": 15},
        "'offer expiring' notices 12 h before an offer lapses"),
    Job("talent_academy.release_reservations", release_reservations, {"trigger": "interval", "hours": 1},
        "unfilled partner seats become general seats at their release time"),
    Job("talent_academy.drain_notifications", drain_notifications, {"trigger": "interval", "minutes": 1},
        "sends the notification outbox"),
]
