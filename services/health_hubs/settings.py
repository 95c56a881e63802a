"""Settings of the health_hubs service, read from `HEALTH_HUBS_*` environment variables."""

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings, sqlite_url


class HealthHubsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HEALTH_HUBS_", extra="ignore")

    service_name: str = "health_hubs"
    database_url: str = sqlite_url("health_hubs")
    port: int = 8102
