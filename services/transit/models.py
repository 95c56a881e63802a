"""The transit service's SQLModel registry; the tables live in boarding/models.py and signals/models.py."""

from sqlmodel import SQLModel

from services.common.db import new_registry
from services.common.jobs import define_job_run_table


class TransitModel(SQLModel, registry=new_registry()):
    pass


job_run = define_job_run_table(TransitModel.metadata)


def load_all_tables() -> None:
    """Imports every module that defines transit tables, so the metadata is complete (migrations, tests)."""
    import services.transit.boarding.models  # noqa: F401
    import services.transit.boarding.sync_models  # noqa: F401
    import services.transit.signals.models  # noqa: F401
