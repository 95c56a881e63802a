"""Settings of the transit service, read from `TRANSIT_*` environment variables."""

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings, sqlite_url


class TransitSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TRANSIT_", extra="ignore")

    service_name: str = "transit"
    database_url: str = sqlite_url("transit")
    port: int = 8101
