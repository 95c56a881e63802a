"""Pure rules of enrolment: waitlist order and positions, offer expiry, what an enrolment may do next."""

import unicodedata
from datetime import datetime, timedelta

SEAT_HOLDING = ("offered", "enrolled")
ENDED = ("withdrawn", "declined", "expired")
OFFER_REMINDER_BEFORE = timedelta(hours=12)  # "offer expiring" goes out this long before the offer lapses


def waitlist_key(priority_class: int, waitlist_seq: int) -> tuple[int, int]:
    """FIFO within priority classes: lower class first, then the earlier ticket."""
    return (priority_class, waitlist_seq)


def positions(entries: list[tuple[int, int, int]]) -> dict[int, int]:
    """entries: (enrolment id, priority class, ticket) of everyone waiting -> {enrolment id: 1-based position}."""
    ordered = sorted(entries, key=lambda e: waitlist_key(e[1], e[2]))
    return {e[0]: i for i, e in enumerate(ordered, start=1)}


def offer_expiry(now: datetime, ttl_hours: int) -> datetime | None:
    return now + timedelta(hours=ttl_hours) if ttl_hours > 0 else None


def offer_lapsed(expires_at: datetime | None, now: datetime) -> bool:
    return expires_at is not None and now >= expires_at


def needs_reminder(expires_at: datetime | None, reminded_at: datetime | None, now: datetime) -> bool:
    return expires_at is not None and reminded_at is None and expires_at - OFFER_REMINDER_BEFORE <= now < expires_at


def clean_name(raw: str) -> str | None:
    """A person's name as stored: surrounding whitespace removed. None when it is not a name: empty once
    trimmed, or holding any control / format / unassigned character (NUL, tab, zero-width space, bidi marks),
    which would print as nothing or reorder what staff read. Decided here, so both databases refuse alike."""
    name = raw.strip()
    if not name or any(unicodedata.category(ch).startswith("C") for ch in name):
        return None
    return name
