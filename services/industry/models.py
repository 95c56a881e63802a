"""The industry service's SQLModel registry and tables."""

from sqlmodel import SQLModel

from services.common.db import new_registry
from services.common.jobs import define_job_run_table


class IndustryModel(SQLModel, registry=new_registry()):
    pass


job_run = define_job_run_table(IndustryModel.metadata)


def load_all_tables() -> None:
    """Every table of this service is defined in this module (transit splits its tables by subdomain)."""
