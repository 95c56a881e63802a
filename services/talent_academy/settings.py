"""Settings of the talent_academy service, read from `TALENT_ACADEMY_*` environment variables."""

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings, sqlite_url


class TalentAcademySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TALENT_ACADEMY_", extra="ignore")

    service_name: str = "talent_academy"
    database_url: str = sqlite_url("talent_academy")
    port: int = 8103
