"""Applications to one offering taken in batches: one transaction, one commit, for everyone who applied while
the previous batch was being written.

A seat change holds the offering's row lock until its commit. Taken one request at a time, a burst of 200 people
applying for 30 seats queues 200 threads, each holding a pooled connection while it waits for that lock, and the
seats move one commit (and some ten statements) at a time. Here a request waits on the event loop, holding
neither a thread nor a connection; one thread per offering writes the whole waiting batch with
`service.enrol_many` (the row locked, one INSERT, one conditional UPDATE of the counters, answers in arrival
order) and commits once. When a batch cannot go together (a sponsored nominee, a race with another worker) its
savepoint is rolled back and each application goes through `service.enrol` in its own savepoint. Several
workers or servers stay exact: every path moves the counters by conditional UPDATEs under the row's lock.
"""

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from services.common.db import utcnow
from services.common.errors import DomainError
from services.talent_academy.enrolment import service
from services.talent_academy.enrolment.schemas import EnrolmentRead

log = logging.getLogger("aicity.talent_academy.enrolment")

MAX_BATCH = 100  # applications per transaction: bounds how long one batch holds the offering's row


@dataclass
class Application:
    learner_id: object
    source: str
    partner_company_id: str | None
    done: asyncio.Future = field(repr=False)


@dataclass
class Outcome:
    enrolment: EnrolmentRead | None = None
    created: bool = False
    error: BaseException | None = None


def batches_of(app) -> "EnrolmentBatches":
    """The app's batches, made on first use over the app's engine."""
    batches = getattr(app.state, "enrolment_batches", None)
    if batches is None or batches.engine is not app.state.engine:
        batches = app.state.enrolment_batches = EnrolmentBatches(app.state.engine)
    return batches


class EnrolmentBatches:
    """One per app (`app.state`): the applications waiting per offering and the one writer per offering."""

    def __init__(self, engine: Engine, *, max_batch: int = MAX_BATCH):
        self.engine = engine
        self._max_batch = max_batch
        self._waiting: dict[int, list[Application]] = {}
        self._writing: set[int] = set()
        self._tasks: set[asyncio.Task] = set()  # the loop keeps only weak references to tasks

    async def apply(self, offering_id: int, *, learner_id, source: str,
                    partner_company_id: str | None) -> tuple[EnrolmentRead, bool]:
        """The answer to one application, as `service.enrol` gives it; its refusals are raised here."""
        done = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(offering_id, []).append(
            Application(learner_id, source, partner_company_id, done))
        if offering_id not in self._writing:
            self._writing.add(offering_id)
            task = asyncio.create_task(self._write(offering_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        outcome: Outcome = await done
        if outcome.error is not None:
            raise outcome.error
        return outcome.enrolment, outcome.created

    async def _write(self, offering_id: int) -> None:
        try:
            while self._waiting.get(offering_id):
                queue = self._waiting[offering_id]
                batch, self._waiting[offering_id] = queue[:self._max_batch], queue[self._max_batch:]
                try:
                    outcomes = await run_in_threadpool(self._write_batch, offering_id, batch, utcnow())
                except Exception as exc:  # the commit itself failed: nobody in the batch was enrolled
                    outcomes = [Outcome(error=exc)] * len(batch)
                for application, outcome in zip(batch, outcomes, strict=True):
                    if not application.done.done():  # its client may have gone (cancelled)
                        application.done.set_result(outcome)
        finally:
            self._writing.discard(offering_id)
            if not self._waiting.get(offering_id):
                self._waiting.pop(offering_id, None)

    def _write_batch(self, offering_id: int, batch: list[Application], now: datetime) -> list[Outcome]:
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                with session.begin_nested():
                    answers = service.enrol_many(
                        session, offering_id=offering_id, now=now,
                        applications=[(a.learner_id, a.source, a.partner_company_id) for a in batch])
                outcomes = [Outcome(error=x) if isinstance(x, Exception) else Outcome(enrolment=x[0], created=x[1])
                            for x in answers]
            except (service.OneByOne, DomainError):  # a sponsored nominee, a race elsewhere, no such offering
                outcomes = [self._one(session, offering_id, a, now) for a in batch]
            except Exception:  # e.g. a deadlock with another worker's batch: its savepoint is undone, go one by one
                log.warning("enrolment batch of %d for offering %d failed; one by one", len(batch), offering_id,
                            exc_info=True)
                outcomes = [self._one(session, offering_id, a, now) for a in batch]
            session.commit()
        return outcomes

    @staticmethod
    def _one(session: Session, offering_id: int, application: Application, now: datetime) -> Outcome:
        try:
            with session.begin_nested():  # a refusal undoes only this application
                enrolment, created = service.enrol(
                    session, offering_id=offering_id, learner_id=application.learner_id, source=application.source,
                    now=now, partner_company_id=application.partner_company_id)
                return Outcome(enrolment=service.read(session, enrolment), created=created)
        except Exception as exc:  # noqa: BLE001 - a refusal (DomainError) or a failure of this application alone
            return Outcome(error=exc)
