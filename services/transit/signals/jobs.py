"""Jobs of transit signals: the weekly design-speed review."""

from sqlalchemy.engine import Engine
from sqlmodel import Session

from services.common.jobs import Job
from services.transit.signals.service import prune_track_points, review_design_speeds


def review_design_speeds_job(engine: Engine, *, settings, now) -> dict:
    with Session(engine) as session:
        summary = review_design_speeds(session, now=now, days=7)
        summary["points_pruned"] = prune_track_points(session, now=now)
        session.commit()
    return summary


JOBS: list[Job] = [
    Job(id="transit.review_design_speeds", func=review_design_speeds_job,
        trigger={"trigger": "cron", "day_of_week": "mon", "hour": 3, "minute": 0},
        description="Each crossing's walker speed percentiles; design speeds faster than the 15th percentile"),
]
