"""Jobs of the transit service, run by `aicity worker`."""

from services.common.jobs import Job
from services.transit.boarding.jobs import JOBS as BOARDING_JOBS
from services.transit.signals.jobs import JOBS as SIGNALS_JOBS

JOBS: list[Job] = [*BOARDING_JOBS, *SIGNALS_JOBS]
