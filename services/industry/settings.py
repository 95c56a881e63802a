"""Settings of the industry service, read from `INDUSTRY_*` environment variables."""

from pydantic_settings import SettingsConfigDict

from services.common.citytime import CITY_TZ
from services.common.settings import ServiceSettings, sqlite_url


class IndustrySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INDUSTRY_", extra="ignore")

    service_name: str = "industry"
    database_url: str = sqlite_url("industry")
    port: int = 8104
    # A batch of ~40,000 readings is about 2 MB of JSON.
    max_body_bytes: int = 4 * 1024 * 1024
    max_batch_readings: int = 50_000
    # Readings older than this are refused (a gateway's backlog after an outage must fit in it).
    backlog_max_age_s: int = 7 * 24 * 3600
    future_skew_s: int = 300
    # MQTT Sparkplug B: empty = no broker (the default for a fresh machine).
    mqtt_url: str = ""
    mqtt_client_id: str = "aicity-industry"
    mqtt_drain_s: float = 50.0
    # Local day for "today" on the dashboard.
    timezone: str = CITY_TZ
    # Safety escalations by e-mail (smtp://host:port or smtps://user:pass@host); empty = they wait in the outbox.
    safety_smtp_url: str = ""
    safety_mail_from: str = "safety@aicity.local"
