"""Jobs of the industry service, run by `aicity worker`."""

from services.common.jobs import Job

JOBS: list[Job] = []
