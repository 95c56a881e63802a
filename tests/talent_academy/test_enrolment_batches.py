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
