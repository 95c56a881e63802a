"""X-Device-Time, the header a citizen-screen device or a bus unit sends with each call (README "Sync protocol"):
how far its clock is from the server's, so the service can report the skew."""

from datetime import datetime

from services.common.errors import Unprocessable


def device_skew(device_time: str | None, now: datetime) -> float | None:
    """Seconds the device clock is ahead of the server (negative: behind); None when not sent. 422 when the
    header is not an ISO time with its zone."""
    if not device_time:
        return None
    try:
        at = datetime.fromisoformat(device_time)
    except ValueError:
        raise Unprocessable("X-Device-Time is not an ISO time", code="bad_device_time") from None
    if at.tzinfo is None:
        raise Unprocessable("X-Device-Time needs a time zone", code="naive_datetime")
    return round((at - now).total_seconds(), 3)
