"""The talent_academy service's SQLModel registry; tables live in catalogue/, enrolment/, outcomes/, partners/."""

from sqlmodel import SQLModel

from services.common.db import new_registry
from services.common.jobs import define_job_run_table


class TalentAcademyModel(SQLModel, registry=new_registry()):
    pass


job_run = define_job_run_table(TalentAcademyModel.metadata)


def load_all_tables() -> None:
    """Imports every module that defines academy tables, so the metadata is complete (migrations, tests)."""
    import services.talent_academy.catalogue.models  # noqa: F401
    import services.talent_academy.enrolment.models  # noqa: F401
    import services.talent_academy.outcomes.models  # noqa: F401
    import services.talent_academy.partners.models  # noqa: F401
