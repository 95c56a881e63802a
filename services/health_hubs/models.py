"""The health_hubs service's SQLModel registry; tables live in residents/, readings/, care/ and audit/ models.py."""

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from services.common.db import UTCDateTime, new_registry
from services.common.jobs import define_job_run_table


class HealthHubsModel(SQLModel, registry=new_registry()):
    pass


job_run = define_job_run_table(HealthHubsModel.metadata)


def at_field(nullable: bool = False, index: bool = False):
    """A UTC instant column, the type of every `*_at` of this service's tables."""
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def load_all_tables() -> None:
    """Imports every module that defines health_hubs tables, so the metadata is complete (migrations, tests)."""
    import services.health_hubs.audit.models  # noqa: F401
    import services.health_hubs.care.models  # noqa: F401
    import services.health_hubs.readings.models  # noqa: F401
    import services.health_hubs.residents.models  # noqa: F401
