"""Settings of the health_hubs service, read from `HEALTH_HUBS_*` environment variables."""

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings, sqlite_url


class HealthHubsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HEALTH_HUBS_", extra="ignore")

    service_name: str = "health_hubs"
    database_url: str = sqlite_url("health_hubs")
    port: int = 8102

    rules_version: str = "ksh2022.1"  # the active classification rule set (services/health_hubs/readings/rules.py)
    consent_version: str = "2025-01"  # the consent text residents currently sign
    alert_ack_minutes: int = 10  # an unacknowledged crisis/hypoglycaemia alert escalates to the district nurse
    remeasure_minutes: int = 15  # a reading of the same resident within this time is the alert's re-measure
    # a referral to the 보건소 after this many uncontrolled sittings within the window (programme policy)
    referral_uncontrolled_count: int = 3
    referral_window_days: int = 30
    referral_accept_days: int = 7  # a requested referral not accepted by then is overdue
    referral_complete_days: int = 30  # an accepted referral not completed by then is overdue
    audit_retention_days: int = 730  # PIPA: access logs kept at least two years
    batch_max_items: int = 1000
    # escalation notifications (outbox delivered by health_hubs.deliver_notifications) through SMTP e-mail in the
    # demo and tests; a city would plug an SMS / alimtalk gateway adapter in instead
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_sender: str = "alerts@health.aicity.example"
    smtp_security: str = "none"  # none | starttls | tls
    notify_max_attempts: int = 8  # then the notification is failed and the alert shows it
    notify_backoff_s: float = 30.0  # first retry delay; doubles per attempt up to notify_backoff_max_s
    notify_backoff_max_s: float = 1800.0
    notify_claim_s: int = 120  # a claimed message not finished by then belongs to a sender that died
    # Device clocks (README "Sync protocol"): a device time more than this ahead of the server, a reading older
    # than this when it arrives, or a kiosk whose own clock (X-Device-Time) is this far behind, is quarantined
    # for staff to confirm.
    device_future_window_s: int = 600
    device_past_window_days: int = 30
    device_clock_behind_s: int = 300
