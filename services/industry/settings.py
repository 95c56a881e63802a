"""Settings of the industry service, read from `INDUSTRY_*` environment variables."""

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings, sqlite_url


class IndustrySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INDUSTRY_", extra="ignore")

    service_name: str = "industry"
    database_url: str = sqlite_url("industry")
    port: int = 8104
