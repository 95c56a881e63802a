"""The industry service's SQLModel registry; tables live in each subdomain's models.py."""

from sqlmodel import SQLModel

from services.common.db import new_registry
from services.common.jobs import define_job_run_table


class IndustryModel(SQLModel, registry=new_registry()):
    pass


job_run = define_job_run_table(IndustryModel.metadata)


def load_all_tables() -> None:
    """Imports every module that defines industry tables, so the metadata is complete (migrations, tests)."""
    import services.industry.air.models  # noqa: F401
    import services.industry.alarms.models  # noqa: F401
    import services.industry.assets.models  # noqa: F401
    import services.industry.kpi.models  # noqa: F401
    import services.industry.programme.models  # noqa: F401
    import services.industry.safety.models  # noqa: F401
    import services.industry.telemetry.models  # noqa: F401
