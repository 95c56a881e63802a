"""Applications written in batches (enrolment/batches.py): one refusal undoes only itself, a double tap in one batch
answers the same enrolment, and applications that arrive together share a transaction, on the real database."""

import asyncio
import uuid

from sqlalchemy import func, select
from sqlmodel import Session

from services.common.db import utcnow
from services.common.errors import Conflict, NotFound
from services.talent_academy.catalogue.models import Offering
from services.talent_academy.enrolment.batches import Application, EnrolmentBatches
from services.talent_academy.enrolment.models import Enrolment


class _Pending:
    def done(self) -> bool:
        return False


def _applications(learner_ids) -> list[Application]:
    return [Application(uuid.UUID(str(x)), "self", None, _Pending()) for x in learner_ids]


def _counters(engine, offering_id: int) -> tuple[int, int, int]:
    with Session(engine) as session:
        row = session.get(Offering, offering_id)
        rows = session.execute(select(func.count()).select_from(Enrolment)
                               .where(Enrolment.offering_id == offering_id)).scalar_one()
        return row.seats_taken, row.waitlist_count, rows


def test_one_batch_answers_each_application_for_itself(academy):
    academy.course("AI-101")
    offering = academy.offering(capacity=2, waitlist_cap=1)
    a, b, c, d = (academy.learner(name=f"L{i}") for i in range(4))
    stranger = uuid.uuid4()
    batch = _applications([a, stranger, b, a, c, d])

    outcomes = EnrolmentBatches(academy.engine)._write_batch(offering["id"], batch, utcnow())

    first, unknown, second, again, waiting, turned_away = outcomes
    assert (first.enrolment.status, first.created) == ("enrolled", True)
    assert isinstance(unknown.error, NotFound) and unknown.error.code == "learner_not_found"
    assert (second.enrolment.status, second.created) == ("enrolled", True)
    assert (again.enrolment.id, again.created) == (first.enrolment.id, False)  # a double tap: the same answer
    assert (waiting.enrolment.status, waiting.enrolment.position) == ("waitlisted", 1)
    assert isinstance(turned_away.error, Conflict) and turned_away.error.code == "waitlist_full"
    # the refusals left nothing behind: two seats, one ticket, three rows
    assert _counters(academy.engine, offering["id"]) == (2, 1, 3)


class _Recording(EnrolmentBatches):
    def __init__(self, engine, **kw):
        super().__init__(engine, **kw)
        self.sizes: list[int] = []

    def _write_batch(self, offering_id, batch, now):
        self.sizes.append(len(batch))
        return super()._write_batch(offering_id, batch, now)


def test_applications_arriving_together_share_batches_and_never_overbook(academy):
    academy.course("AI-101")
    offering = academy.offering(capacity=5, waitlist_cap=100)
    learners = [academy.learner(name=f"L{i}") for i in range(40)]
    batches = _Recording(academy.engine, max_batch=16)

    async def burst():
        return await asyncio.gather(*(
            batches.apply(offering["id"], learner_id=uuid.UUID(x), source="self", partner_company_id=None)
            for x in learners))

    answers = asyncio.run(burst())

    assert sum(batches.sizes) == 40 and max(batches.sizes) <= 16
    assert len(batches.sizes) < 40  # shared: the first writes alone, the rest wait and go together
    statuses = [e.status for e, created in answers]
    assert statuses.count("enrolled") == 5
    assert sorted(e.position for e, _ in answers if e.status == "waitlisted") == list(range(1, 36))
    assert _counters(academy.engine, offering["id"]) == (5, 35, 40)


def test_a_refused_application_raises_in_its_own_request_only(academy):
    academy.course("AI-101")
    offering = academy.offering(capacity=3)
    known = academy.learner()
    batches = EnrolmentBatches(academy.engine)

    async def two():
        return await asyncio.gather(
            batches.apply(offering["id"], learner_id=uuid.uuid4(), source="self", partner_company_id=None),
            batches.apply(offering["id"], learner_id=uuid.UUID(known), source="self", partner_company_id=None),
            return_exceptions=True)

    refused, (enrolment, created) = asyncio.run(two())
    assert isinstance(refused, NotFound)
    assert (enrolment.status, created) == ("enrolled", True)


def _answers(outcomes) -> list:
    """What a person is told: the refusal's code, or status, position, seat and whether it was created."""
    return [o.error.code if o.error is not None else
            (o.enrolment.status, o.enrolment.position, o.enrolment.seat_kind, o.enrolment.priority_class, o.created)
            for o in outcomes]


def test_a_batch_answers_exactly_as_the_same_applications_one_after_another(academy):
    """Two offerings alike (3 seats, 4 on the waitlist, Pohang residents first, adults only); the same 40
    applications, drawn with retries, strangers and minors, go to one as a batch and to the other one by one."""
    import random

    academy.course("AI-101")
    rules = {"min_age": 18, "priority_residency": ["Pohang"]}
    together, one_by_one = (academy.offering(capacity=3, waitlist_cap=4, eligibility=rules) for _ in range(2))
    people = [academy.learner(name=f"L{i}", residence=random.Random(i).choice(["Pohang", "Gyeongju"]),
                              birth_date="2012-01-01" if i % 5 == 0 else "1990-01-01") for i in range(12)]
    rng = random.Random(18)
    drawn = [rng.choice(people) for _ in range(40)]
    drawn[3] = drawn[17] = str(uuid.uuid4())  # strangers
    batches = EnrolmentBatches(academy.engine)

    batched = batches._write_batch(together["id"], _applications(drawn), utcnow())
    single = [batches._write_batch(one_by_one["id"], _applications([x]), utcnow())[0] for x in drawn]

    assert _answers(batched) == _answers(single)
    kinds = {a if isinstance(a, str) else a[0] for a in _answers(batched)}
    assert {"learner_not_found", "not_eligible", "waitlist_full", "enrolled", "waitlisted"} <= kinds
    assert _counters(academy.engine, together["id"]) == _counters(academy.engine, one_by_one["id"])


def test_a_sponsored_nominee_sends_the_batch_one_by_one_to_their_company_seats(academy, auth):
    """A partner's nominee may take a seat reserved for the partner: that batch goes through `enrol` per
    application, with the same answers."""
    academy.course("AI-101")
    offering = academy.offering(capacity=2, reservations=[{"company_id": "steelworks", "seats": 1}])
    nominee = academy.learner(sponsor_company_id="steelworks")
    others = [academy.learner(name=f"L{i}") for i in range(2)]
    outcomes = EnrolmentBatches(academy.engine)._write_batch(offering["id"], _applications([*others, nominee]),
                                                             utcnow())
    assert [(o.enrolment.status, o.enrolment.seat_kind) for o in outcomes] == [
        ("enrolled", "general"), ("waitlisted", None), ("enrolled", "reserved")]


def test_a_batch_that_fails_in_the_database_is_answered_one_by_one(academy, monkeypatch):
    """A batch statement that fails (as a deadlock with another worker's batch would) undoes the batch's
    savepoint only; each application is then written on its own, and nobody gets an error for it."""
    from services.talent_academy.enrolment import service

    academy.course("AI-101")
    offering = academy.offering(capacity=1)
    people = [academy.learner(name=f"L{i}") for i in range(3)]

    def deadlocked(session, **kw):
        session.execute(select(func.count()).select_from(Enrolment))  # something was already done
        raise RuntimeError("deadlock detected")

    monkeypatch.setattr(service, "enrol_many", deadlocked)
    outcomes = EnrolmentBatches(academy.engine)._write_batch(offering["id"], _applications(people), utcnow())
    assert [(o.error, o.enrolment.status) for o in outcomes] == [
        (None, "enrolled"), (None, "waitlisted"), (None, "waitlisted")]
    assert _counters(academy.engine, offering["id"]) == (1, 2, 3)
