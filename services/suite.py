"""The table of the suite's services (name, port, modules), for the CLI and the tests. No domain here."""

import importlib
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class ServiceEntry:
    name: str
    port: int
    settings_class: str

    def module(self, part: str) -> ModuleType:
        return importlib.import_module(f"services.{self.name}.{part}")

    def settings(self, **overrides):
        return getattr(self.module("settings"), self.settings_class)(**overrides)

    def create_app(self, settings=None):
        return self.module("main").create_app(settings)

    def metadata(self):
        models = self.module("models")
        models.load_all_tables()
        return models.job_run.metadata

    def jobs(self):
        return self.module("jobs").JOBS

    def job_run(self):
        return self.module("models").job_run


SERVICES: dict[str, ServiceEntry] = {
    "transit": ServiceEntry("transit", 8101, "TransitSettings"),
    "health_hubs": ServiceEntry("health_hubs", 8102, "HealthHubsSettings"),
    "talent_academy": ServiceEntry("talent_academy", 8103, "TalentAcademySettings"),
    "industry": ServiceEntry("industry", 8104, "IndustrySettings"),
}
DASHBOARD_PORT = 8501
