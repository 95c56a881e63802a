"""The seat and waitlist counters of an offering. Every path (self, staff bulk, API, partner, jobs) goes
through these, and every counter moves by one conditional UPDATE whose row count (or RETURNING) says whether it
moved: that statement is the lock, held to the commit. Paths that read before they decide (withdraw, offers, the
jobs) lock the row first with FOR NO KEY UPDATE on PostgreSQL (which, unlike FOR UPDATE, does not wait for the
key-share locks of enrolment inserts referring to the offering); on SQLite every transaction already holds the
write lock from BEGIN IMMEDIATE (services/common/db.py). Nothing here counts rows and then inserts."""

from sqlalchemy import select, update
from sqlmodel import Session

from services.common.errors import NotFound
from services.talent_academy.catalogue.models import Offering, SeatReservation

OT, RT = Offering.__table__, SeatReservation.__table__  # Core statements: no ORM synchronisation
OC, RC = OT.c, RT.c


def lock_offering(session: Session, offering_id: int) -> Offering:
    """Takes the offering's row lock for the rest of the transaction, and returns it freshly read."""
    row = session.execute(
        select(Offering).where(OC.id == offering_id).with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"offering {offering_id} not found", code="offering_not_found")
    return row


def claim_seat(session: Session, offering_id: int, *, company_id: str | None) -> str | None:
    """Takes one seat: a reserved one of `company_id` if it has one left, else a general one.
    Returns "reserved" | "general", or None when the offering is full for this learner."""
    if company_id:
        taken = session.execute(
            update(RT)
            .where(RC.offering_id == offering_id, RC.company_id == company_id, RC.taken < RC.seats,
                   RC.released_at.is_(None))
            .values(taken=RC.taken + 1)
        ).rowcount
        if taken == 1:
            moved = session.execute(
                update(OT).where(OC.id == offering_id, OC.reserved_open > 0)
                .values(seats_taken=OC.seats_taken + 1, reserved_open=OC.reserved_open - 1)
            ).rowcount
            if moved != 1:  # the counters disagree: refuse rather than overbook
                raise RuntimeError(f"offering {offering_id}: reserved seat without reserved_open")
            return "reserved"
    moved = session.execute(
        update(OT).where(OC.id == offering_id, OC.seats_taken + OC.reserved_open < OC.capacity)
        .values(seats_taken=OC.seats_taken + 1)
    ).rowcount
    return "general" if moved == 1 else None


def release_seat(session: Session, offering_id: int, *, seat_kind: str | None, company_id: str | None) -> None:
    """Gives a held seat back to the pool it came from (a reserved seat goes back to its company while the
    reservation stands, else to everyone)."""
    back_to_reserve = 0
    if seat_kind == "reserved" and company_id:
        back_to_reserve = session.execute(
            update(RT)
            .where(RC.offering_id == offering_id, RC.company_id == company_id, RC.taken > 0, RC.released_at.is_(None))
            .values(taken=RC.taken - 1)
        ).rowcount
        if back_to_reserve == 0:
            session.execute(
                update(RT)
                .where(RC.offering_id == offering_id, RC.company_id == company_id, RC.taken > 0)
                .values(taken=RC.taken - 1)
            )
    moved = session.execute(
        update(OT).where(OC.id == offering_id, OC.seats_taken > 0)
        .values(seats_taken=OC.seats_taken - 1, reserved_open=OC.reserved_open + back_to_reserve)
    ).rowcount
    if moved != 1:
        raise RuntimeError(f"offering {offering_id}: released a seat that was not taken")


def take_waitlist_ticket(session: Session, offering_id: int) -> int | None:
    """Joins the waitlist under its cap; returns the FIFO ticket, or None when the waitlist is full."""
    row = session.execute(
        update(OT).where(OC.id == offering_id, OC.waitlist_count < OC.waitlist_cap)
        .values(waitlist_count=OC.waitlist_count + 1, waitlist_seq=OC.waitlist_seq + 1)
        .returning(OC.waitlist_seq)
    ).first()
    return None if row is None else row[0]


def take_many(session: Session, offering_id: int, *, seats_n: int, tickets_n: int) -> None:
    """A batch's general seats and waitlist tickets in one conditional UPDATE, with the row already locked
    (`lock_offering`) and the counts decided on what it read: the condition only guards against a bug."""
    moved = session.execute(
        update(OT).where(OC.id == offering_id, OC.seats_taken + OC.reserved_open + seats_n <= OC.capacity,
                         OC.waitlist_count + tickets_n <= OC.waitlist_cap)
        .values(seats_taken=OC.seats_taken + seats_n, waitlist_count=OC.waitlist_count + tickets_n,
                waitlist_seq=OC.waitlist_seq + tickets_n)
    ).rowcount
    if moved != 1:
        raise RuntimeError(f"offering {offering_id}: a batch's seats no longer fit the counters it read")


def leave_waitlist(session: Session, offering_id: int) -> None:
    session.execute(
        update(OT).where(OC.id == offering_id, OC.waitlist_count > 0).values(waitlist_count=OC.waitlist_count - 1)
    )


def add_reservation(session: Session, offering_id: int, *, seats: int) -> bool:
    """Holds `seats` more general seats for a company; False if they are not free."""
    return session.execute(
        update(OT).where(OC.id == offering_id, OC.seats_taken + OC.reserved_open + seats <= OC.capacity)
        .values(reserved_open=OC.reserved_open + seats)
    ).rowcount == 1


def release_reservation(session: Session, reservation_id: int, *, now) -> int:
    """Ends a reservation: its unfilled seats become general seats. Returns how many were freed."""
    row = session.execute(
        update(RT).where(RC.id == reservation_id, RC.released_at.is_(None))
        .values(released_at=now).returning(RC.offering_id, RC.seats, RC.taken)
    ).first()
    if row is None:
        return 0
    offering_id, seats, taken = row
    freed = seats - taken
    if freed:
        session.execute(
            update(OT).where(OC.id == offering_id, OC.reserved_open >= freed)
            .values(reserved_open=OC.reserved_open - freed)
        )
    return freed
