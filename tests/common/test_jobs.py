"""The job layer: jobs scheduled on APScheduler run, one at a time, and every run is recorded."""

import threading
import time

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select

from services.common.jobs import Job, schedule_jobs
from services.suite import SERVICES


def test_scheduled_jobs_run_and_are_recorded(service_db):
    entry = SERVICES["talent_academy"]
    db = service_db("talent_academy")
    calls = []
    overlap = threading.Event()
    running = threading.Lock()

    def slow_job(engine, *, settings, now):
        if not running.acquire(blocking=False):
            overlap.set()
            return {}
        try:
            calls.append(now)
            time.sleep(1.5)  # longer than the interval: max_instances=1 must prevent a second copy
            return {"n": len(calls)}
        finally:
            running.release()

    scheduler = BackgroundScheduler(timezone="UTC")
    schedule_jobs(scheduler, [(Job("talent_academy.test_slow", slow_job, {"trigger": "interval", "seconds": 1}),
                               db.engine, entry.job_run(), None)], run_now=True)
    scheduler.start()
    try:
        deadline = time.monotonic() + 15
        while len(calls) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        scheduler.shutdown(wait=True)
    assert len(calls) >= 2 and not overlap.is_set()
    job_run = entry.job_run()
    with db.engine.connect() as conn:
        rows = conn.execute(select(job_run).where(job_run.c.job_id == "talent_academy.test_slow")).mappings().all()
    finished = [r for r in rows if r["outcome"] == "ok"]
    assert len(finished) >= 2 and all(r["ended_at"] >= r["started_at"] for r in finished)
