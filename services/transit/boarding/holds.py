"""Boardings held for their device time (README "Sync protocol"): a bus's queued event outside the windows, or
from a bus whose clock is off, is kept (its fields, never its frames) until an official confirms it with the real
time, when it is decided through the same path as any boarding (as a card tap: the frames are gone), or discards
it. The clock skew each bus reports is kept. Functions take the session and flush; the request commits."""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from services.common.db import insert_for
from services.common.errors import Conflict, NotFound, Unprocessable
from services.transit.boarding import service
from services.transit.boarding.models import Boarding
from services.transit.boarding.schemas import BoardingEvent
from services.transit.boarding.sync import Held, ItemError, check_clock, check_time, suggested_time
from services.transit.boarding.sync_models import BoardingHold, BusClock


def _hold(session: Session, held: Held, *, device_id: str, skew_s: float | None, frames: int,
          now: datetime) -> BoardingHold:
    ev = held.event
    session.execute(insert_for(session, BoardingHold.__table__).values(
        id=uuid.uuid4(), event_id=ev.event_id, device_id=device_id, bus_id=ev.bus_id, route_id=ev.route_id,
        stop_id=ev.stop_id, card_id=ev.card_id, occurred_at=ev.occurred_at, reason=held.code, skew_s=skew_s,
        suggested_occurred_at=suggested_time(ev.occurred_at, skew_s=skew_s, received_at=now), frames=frames,
        received_at=now, status="open",
    ).on_conflict_do_nothing(index_elements=["event_id"]))
    return session.scalars(select(BoardingHold).where(BoardingHold.event_id == ev.event_id)
                           .execution_options(populate_existing=True)).one()


def _held_answer(session: Session, index: int, hold: BoardingHold) -> dict:
    item = {"index": index, "event_id": str(hold.event_id), "hold_id": str(hold.id)}
    if hold.status == "open":
        return {**item, "status": 202, "error": hold.reason,
                "detail": "held for its device time until an official confirms it"}
    if hold.status == "discarded":
        return {**item, "status": 410, "error": "event_discarded", "detail": "an official discarded this event"}
    row = session.scalars(select(Boarding).where(Boarding.event_id == hold.event_id)).first()
    return {**item, "status": 200, "answer": row.answer}


def run_batch(session: Session, *, parsed: list, frames: list[list[bytes]], device_id: str, bus_id: str,
              skew_s: float | None, settings, index, now: datetime) -> list[dict]:
    """The batch after sync.parse_events: held events kept (a retry finds its hold, or the decision made when it
    was confirmed), the rest decided by service.board_batch; one result per event, in order."""
    ids = [p.event.event_id if isinstance(p, Held) else p.event_id for p in parsed
           if isinstance(p, (Held, BoardingEvent))]
    known = {h.event_id: h for h in session.scalars(select(BoardingHold).where(BoardingHold.event_id.in_(ids)))}
    # an event decided before (sent live, then again in a queue with a wrong clock) answers its decision
    decided = set(session.scalars(select(Boarding.event_id).where(Boarding.event_id.in_(ids)))) - set(known)
    parsed = [p.event if isinstance(p, Held) and p.event.event_id in decided else p for p in parsed]
    done: dict[int, dict] = {}
    to_decide: list = []
    for i, p in enumerate(parsed):
        event_id = p.event.event_id if isinstance(p, Held) else getattr(p, "event_id", None)
        if isinstance(p, (Held, BoardingEvent)) and event_id in known:
            done[i] = _held_answer(session, i, known[event_id])
        elif isinstance(p, Held):
            done[i] = _held_answer(session, i, _hold(session, p, device_id=device_id, skew_s=skew_s,
                                                     frames=len(frames[i]), now=now))
        else:
            to_decide.append(p)
            continue
        to_decide.append(ItemError(i, event_id, 0, "", ""))  # a placeholder: answered above
    results = service.board_batch(session, events=to_decide, frames=frames, device_id=device_id, settings=settings,
                                  index=index, now=now)
    if skew_s is not None:
        record_skew(session, device_id=device_id, bus_id=bus_id, skew_s=skew_s, now=now)
    session.flush()
    return [done.get(i, r) for i, r in enumerate(results)]


def board_live(session: Session, *, ev: BoardingEvent, frames: list[bytes], device_id: str, bus_id: str,
               skew_s: float | None, settings, index, now: datetime) -> dict:
    """A live boarding (POST /v1/boardings): a rider is at the door now, so it is decided at once, never held.
    When the bus's occurred_at lies outside the windows (or its X-Device-Time is off by more than the future
    window), the boarding is decided and recorded at the server's time, the bus's time kept beside it
    (`device_occurred_at`), the answer says so (`time_error`) and the bus's skew is kept (GET /v1/buses/clocks):
    the X-Device-Time skew if sent, else the event's own (occurred_at minus the server's time: it happened now).
    A retry finds the first decision (the fingerprint is of the bus's event as sent)."""
    future = timedelta(seconds=settings.boarding_future_window_s)
    late = check_time(ev.occurred_at, now=now, future=future, past=timedelta(days=settings.boarding_past_window_days))
    code = check_clock(skew_s, window=future) or (late[0] if late else None)
    clock = None
    if code is not None:
        estimated = round((ev.occurred_at - now).total_seconds(), 3)
        clock = service.ClockCorrection(code=code, at=now, skew_s=skew_s if skew_s is not None else estimated)
    answer = service.board(session, ev=ev, frames=frames, device_id=device_id, settings=settings, index=index,
                           now=now, clock=clock)
    if skew_s is None and clock is not None:  # the event's own skew, only from its first arrival (not a retry's)
        received = session.scalars(select(Boarding.received_at).where(Boarding.event_id == ev.event_id)).first()
        skew_s = clock.skew_s if received == now else None
    if skew_s is not None:
        record_skew(session, device_id=device_id, bus_id=bus_id, skew_s=skew_s, now=now)
    session.flush()
    return answer


def record_skew(session: Session, *, device_id: str, bus_id: str, skew_s: float, now: datetime) -> None:
    stmt = insert_for(session, BusClock.__table__).values(device_id=device_id, bus_id=bus_id, skew_s=skew_s,
                                                       observed_at=now)
    session.execute(stmt.on_conflict_do_update(index_elements=["device_id"], set_={
        "bus_id": stmt.excluded.bus_id, "skew_s": stmt.excluded.skew_s, "observed_at": stmt.excluded.observed_at}))


def list_holds(session: Session, *, status: str | None, limit: int) -> list[BoardingHold]:
    query = select(BoardingHold).order_by(BoardingHold.received_at.desc()).limit(limit)
    if status:
        query = query.where(BoardingHold.status == status)
    return list(session.scalars(query).all())


def _open(session: Session, hold_id: uuid.UUID) -> BoardingHold:
    hold = session.scalars(select(BoardingHold).where(BoardingHold.id == hold_id).with_for_update()
                           .execution_options(populate_existing=True)).first()
    if hold is None:
        raise NotFound("no such held boarding", code="hold_not_found")
    if hold.status != "open":
        raise Conflict(f"this held boarding was {hold.status} already", code="hold_closed")
    return hold


def confirm(session: Session, *, hold_id: uuid.UUID, occurred_at: datetime | None, by: str, settings, index,
            now: datetime) -> tuple[BoardingHold, dict]:
    """Decides the held event at the time given (default: the suggested one, else the bus's) as a card tap."""
    hold = _open(session, hold_id)
    chosen = occurred_at or hold.suggested_occurred_at or hold.occurred_at
    if chosen > now + timedelta(seconds=settings.boarding_future_window_s):
        raise Unprocessable("give the time the boarding really happened", code="correct_time_required")
    ev = BoardingEvent(event_id=hold.event_id, bus_id=hold.bus_id, route_id=hold.route_id, stop_id=hold.stop_id,
                       occurred_at=min(chosen, now), card_id=hold.card_id)
    answer = service.board(session, ev=ev, frames=[], device_id=hold.device_id, settings=settings, index=index,
                           now=now)
    hold.status, hold.decided_at, hold.decided_by = "confirmed", now, by
    session.add(hold)
    session.flush()
    return hold, answer


def discard(session: Session, *, hold_id: uuid.UUID, by: str, now: datetime) -> BoardingHold:
    hold = _open(session, hold_id)
    hold.status, hold.decided_at, hold.decided_by = "discarded", now, by
    session.add(hold)
    session.flush()
    return hold


def bus_clocks(session: Session) -> list[dict]:
    from sqlalchemy import func

    out = {c.device_id: {"device_id": c.device_id, "bus_id": c.bus_id, "skew_s": c.skew_s,
                         "observed_at": c.observed_at, "held_open": 0} for c in session.scalars(select(BusClock))}
    for device_id, bus_id, n in session.execute(
            select(BoardingHold.device_id, BoardingHold.bus_id, func.count()).where(BoardingHold.status == "open")
            .group_by(BoardingHold.device_id, BoardingHold.bus_id)):
        out.setdefault(device_id, {"device_id": device_id, "bus_id": bus_id, "skew_s": None, "observed_at": None,
                                   "held_open": 0})["held_open"] += n
    return sorted(out.values(), key=lambda c: c["bus_id"])
