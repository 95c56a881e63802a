"""Jobs of transit boarding."""

from services.common.jobs import Job

JOBS: list[Job] = []
