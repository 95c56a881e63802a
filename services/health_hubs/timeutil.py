"""Pohang's calendar (the zone of services/common/citytime.py): the start of a local day and report months, as UTC
instants. Used by care, readings, indicators and the overview alike, so it sits beside them (as industry/timeutil.py)."""

from datetime import UTC, datetime, time, timedelta

from services.common.citytime import CITY_ZONE


def local_day_start(now: datetime, days_back: int = 0) -> datetime:
    """00:00 in Pohang of the day `now` falls on (minus `days_back` days), in UTC."""
    day = now.astimezone(CITY_ZONE).date() - timedelta(days=days_back)
    return datetime.combine(day, time.min, tzinfo=CITY_ZONE).astimezone(UTC)


def month_start(year: int, month: int) -> datetime:
    """The first instant of a Seoul calendar month, in UTC."""
    while month < 1:
        year, month = year - 1, month + 12
    while month > 12:
        year, month = year + 1, month - 12
    return datetime(year, month, 1, tzinfo=CITY_ZONE).astimezone(UTC)


def parse_month(text: str) -> tuple[int, int]:
    year, _, month = text.partition("-")
    y, m = int(year), int(month)
    if not 1 <= m <= 12 or not 2000 <= y <= 2100:
        raise ValueError("month must be YYYY-MM")
    return y, m


def month_of(instant: datetime) -> str:
    local = instant.astimezone(CITY_ZONE)
    return f"{local.year:04d}-{local.month:02d}"


def add_months(month: str, delta: int) -> str:
    y, m = parse_month(month)
    index = y * 12 + (m - 1) + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"
