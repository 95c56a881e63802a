"""A bus's offline queue (POST /v1/boardings/batch), item by item (README "Sync protocol"): each event is
validated on its own, its route and stop checked against the network (routes.py), its device time against the
windows (TRANSIT_BOARDING_FUTURE_WINDOW_S, TRANSIT_BOARDING_PAST_WINDOW_DAYS); a bad event answers by its index
with a stable code and the others are decided. Pure functions: no session, `now` passed in."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import TypeAdapter, ValidationError

from services.transit.boarding.routes import ROUTES
from services.transit.boarding.schemas import BatchEvent

_EVENT = TypeAdapter(BatchEvent)


@dataclass(frozen=True)
class ItemError:
    index: int
    event_id: uuid.UUID | None
    status: int
    code: str
    detail: str


@dataclass(frozen=True)
class Held:
    """A well-formed event whose device time is not believable: held for an official (boarding/holds.py)."""

    index: int
    event: BatchEvent
    code: str


def frame_counts(raw: list) -> list[int] | None:
    """Each event's number of frames, read before anything else so the frames can be dealt out even when an
    event is otherwise malformed; None when one is unreadable (then no frame can be attributed)."""
    out = []
    for value in raw:
        count = value.get("frame_count") if isinstance(value, dict) else None
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 5:
            return None
        out.append(count)
    return out


def _event_id(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value.get("event_id"))) if isinstance(value, dict) else None
    except ValueError:
        return None


def check_route(route_id: str, stop_id: str) -> tuple[str, str] | None:
    """(code, detail) when the route or the stop on it is not in the network."""
    if route_id not in ROUTES:
        return "unknown_route", f"route {route_id!r} is not in the network"
    if stop_id not in ROUTES[route_id]:
        return "unknown_stop", f"stop {stop_id!r} is not on route {route_id!r}"
    return None


def check_time(occurred_at: datetime, *, now: datetime, future: timedelta, past: timedelta) -> tuple[str, str] | None:
    if occurred_at > now + future:
        return "occurred_at_in_future", "occurred_at is ahead of the server's clock by more than the window"
    if occurred_at < now - past:
        return "occurred_at_too_old", "occurred_at is older than the window (a reset or wrong bus clock?)"
    return None


def check_clock(skew_s: float | None, *, window: timedelta) -> str | None:
    """The bus's own clock (X-Device-Time) more than the window off either way: every event time is suspect."""
    if skew_s is None:
        return None
    if skew_s > window.total_seconds():
        return "device_clock_ahead"
    if skew_s < -window.total_seconds():
        return "device_clock_behind"
    return None


def suggested_time(occurred_at: datetime, *, skew_s: float | None, received_at: datetime) -> datetime | None:
    """Offered to the official who confirms: the device time less the bus's skew, or the arrival time for a
    time from the future; None: keep the device time."""
    if skew_s is not None:
        return occurred_at - timedelta(seconds=skew_s)
    return received_at if occurred_at > received_at else None


def parse_events(raw: list, *, place: str | None, now: datetime, future: timedelta, past: timedelta,
                 skew_s: float | None = None) -> list[BatchEvent | ItemError | Held]:
    """Every event checked on its own; the first of a repeated event_id is kept, the others refused; a
    well-formed event with an unbelievable time (or from a bus whose clock is off) is Held."""
    clock = check_clock(skew_s, window=future)
    out: list[BatchEvent | ItemError | Held] = []
    seen: set[uuid.UUID] = set()
    for index, value in enumerate(raw):
        event_id = _event_id(value)
        try:
            ev = _EVENT.validate_python(value)
        except ValidationError as exc:
            err = exc.errors(include_url=False, include_context=False)[0]
            where = ".".join(str(p) for p in err.get("loc", ())) or "event"
            out.append(ItemError(index, event_id, 422, "validation_error", f"{where}: {err.get('msg')}"))
            continue
        problem = None
        if ev.occurred_at.tzinfo is None:
            problem = (422, "naive_datetime", "occurred_at needs a UTC offset")
        elif ev.event_id in seen:
            problem = (422, "duplicate_event_id", "this event_id appears earlier in the batch")
        elif place is not None and ev.bus_id != place:
            problem = (403, "wrong_place", "device of another bus")
        elif bad := check_route(ev.route_id, ev.stop_id):
            problem = (422, *bad)
        seen.add(ev.event_id)
        if problem:
            out.append(ItemError(index, ev.event_id, *problem))
        else:
            late = check_time(ev.occurred_at, now=now, future=future, past=past)
            held = clock or (late[0] if late else None)
            out.append(Held(index, ev, held) if held else ev)
    return out
