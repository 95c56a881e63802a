"""The job layer over APScheduler 3.x: services declare jobs, the worker runs them, every run is recorded."""

import logging
import signal
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import Query, Request
from pydantic import BaseModel
from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, Text, desc, insert, select, update
from sqlalchemy.engine import Engine

from services.common.auth import Role, allow
from services.common.db import UTCDateTime, utcnow
from services.common.routing import APIRouter

log = logging.getLogger("aicity.jobs")


@dataclass(frozen=True)
class Job:
    """`func(engine, *, settings, now) -> summary` runs in its own transaction(s) and returns a short summary."""

    id: str  # "<service>.<verb_noun>"
    func: Callable[..., Any]
    trigger: dict = field(default_factory=lambda: {"trigger": "interval", "minutes": 5})
    description: str = ""


def define_job_run_table(metadata: MetaData) -> Table:
    return Table(
        "job_run",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("job_id", String(80), nullable=False, index=True),
        Column("started_at", UTCDateTime(), nullable=False),
        Column("ended_at", UTCDateTime(), nullable=True),
        Column("outcome", String(16), nullable=False),  # running | ok | error
        Column("summary", JSON, nullable=True),
        Column("error", Text, nullable=True),
    )


def run_job(job: Job, *, engine: Engine, job_run: Table, settings, now: datetime | None = None) -> dict:
    """Runs one job once and records it; an error is recorded, logged and re-raised to nobody."""
    started = utcnow()
    with engine.begin() as conn:
        run_id = conn.execute(
            insert(job_run).values(job_id=job.id, started_at=started, outcome="running")
        ).inserted_primary_key[0]
    outcome, summary, error = "ok", None, None
    try:
        summary = job.func(engine, settings=settings, now=now or started)
    except Exception as exc:  # a job's failure is recorded, never kills the worker
        outcome, error = "error", "".join(traceback.format_exception_only(exc)).strip()[:2000]
        log.exception("job failed", extra={"job_id": job.id, "outcome": outcome})
    with engine.begin() as conn:
        conn.execute(
            update(job_run).where(job_run.c.id == run_id).values(
                ended_at=utcnow(), outcome=outcome, summary=_jsonable(summary), error=error
            )
        )
    if outcome == "ok":
        log.info("job %s: %s", job.id, summary, extra={"job_id": job.id, "outcome": outcome})
    return {"id": run_id, "job_id": job.id, "outcome": outcome, "summary": summary, "error": error}


def _jsonable(value):
    if value is None or isinstance(value, dict | list | str | int | float | bool):
        return value
    return str(value)


class JobRunRead(BaseModel):
    id: int
    job_id: str
    started_at: datetime
    ended_at: datetime | None
    outcome: str
    summary: Any = None
    error: str | None = None


class JobRunPage(BaseModel):
    items: list[JobRunRead]
    jobs: list[dict]


Official = allow(roles=(Role.official,))  # job runs are read by officials (and admins)


def jobs_router(jobs: list[Job], job_run: Table) -> APIRouter:
    router = APIRouter(prefix="/v1/jobs", tags=["jobs"])

    @router.get("", response_model=JobRunPage)
    def list_job_runs(
        request: Request,
        _: Official,
        job_id: str | None = Query(default=None, max_length=80),
        limit: int = Query(default=50, ge=1, le=500),
    ) -> JobRunPage:
        query = select(job_run).order_by(desc(job_run.c.id)).limit(limit)
        if job_id:
            query = query.where(job_run.c.job_id == job_id)
        with request.app.state.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return JobRunPage(
            items=[JobRunRead(**row) for row in rows],
            jobs=[{"id": j.id, "trigger": j.trigger, "description": j.description} for j in jobs],
        )

    return router


def schedule_jobs(scheduler, entries: list[tuple[Job, Engine, Table, Any]], *, run_now: bool = False) -> None:
    """Adds each (job, engine, job_run table, settings) to an APScheduler 3.x scheduler, one instance at a time."""
    for job, engine, job_run, settings in entries:
        trigger = dict(job.trigger)
        kind = trigger.pop("trigger")
        scheduler.add_job(
            run_job, kind, id=job.id, name=job.id, max_instances=1, coalesce=True, misfire_grace_time=300,
            kwargs={"job": job, "engine": engine, "job_run": job_run, "settings": settings},
            **({"next_run_time": utcnow()} if run_now else {}), **trigger,
        )


def run_worker(entries: list[tuple[Job, Engine, Table, Any]], *, run_now: bool = False) -> None:
    """Runs every declared job of every service in this one process until SIGTERM / Ctrl-C."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(timezone="UTC")
    schedule_jobs(scheduler, entries, run_now=run_now)

    def _stop(signum, _frame):
        log.info("worker stopping on signal %s", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    log.info("worker running %d jobs", len(entries))
    scheduler.start()
