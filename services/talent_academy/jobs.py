"""Jobs of the talent_academy service, run by `aicity worker`."""

from services.common.jobs import Job

JOBS: list[Job] = []
