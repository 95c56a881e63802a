"""Jobs of transit signals."""

from services.common.jobs import Job

JOBS: list[Job] = []
