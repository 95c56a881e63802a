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


JOBS: list[Job] = [
    Job(id="industry.rollup_telemetry", func=rollup_job, trigger={"trigger": "interval", "minutes": 1},
        description="minute, hour and day rollups of the hours that got readings"),
    Job(id="industry.consume_mqtt", func=consume_mqtt_job, trigger={"trigger": "interval", "minutes": 1},
        description="Sparkplug B messages from the plant broker (INDUSTRY_MQTT_URL)"),
]
