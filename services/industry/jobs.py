"""Jobs of the industry service, run by `aicity worker`: rollups, and the MQTT consumer when a broker is set."""

from services.common.jobs import Job
from services.industry.telemetry.rollup import rollup_telemetry


def rollup_job(engine, *, settings, now) -> dict:
    return rollup_telemetry(engine, tz=settings.timezone)


def consume_mqtt_job(engine, *, settings, now) -> dict:
    """Drains the broker's queued Sparkplug B messages for a while (a persistent QoS 1 session keeps what
    arrived between runs). Skipped when INDUSTRY_MQTT_URL is not set."""
    if not settings.mqtt_url:
        return {"skipped": "INDUSTRY_MQTT_URL not set"}
    from services.industry.telemetry.mqtt import run_consumer

    return run_consumer(engine, settings, duration_s=settings.mqtt_drain_s)


def check_gas_detectors_job(engine, *, settings, now) -> dict:
    from services.industry.safety.jobs import check_gas_detectors

    return check_gas_detectors(engine, now=now)


def deliver_safety_mail_job(engine, *, settings, now) -> dict:
    from services.industry.safety.jobs import deliver_safety_mail

    return deliver_safety_mail(engine, settings=settings, now=now)


JOBS: list[Job] = [
    Job(id="industry.rollup_telemetry", func=rollup_job, trigger={"trigger": "interval", "minutes": 1},
        description="minute, hour and day rollups of the hours that got readings"),
    Job(id="industry.consume_mqtt", func=consume_mqtt_job, trigger={"trigger": "interval", "minutes": 1},
        description="Sparkplug B messages from the plant broker (INDUSTRY_MQTT_URL)"),
    Job(id="industry.check_gas_detectors", func=check_gas_detectors_job, trigger={"trigger": "interval", "seconds": 30},
        description="gas detectors with no data, stale data or an overdue bump test"),
    Job(id="industry.deliver_safety_mail", func=deliver_safety_mail_job, trigger={"trigger": "interval", "seconds": 15},
        description="safety escalations from the outbox to the site's safety manager, retried with backoff"),
]
