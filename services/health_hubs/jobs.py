"""Jobs of the health_hubs service, run by `aicity worker`."""

from services.common.jobs import Job

JOBS: list[Job] = []
