"""`aicity industry ...` commands: the MQTT consumer and the MQTT plant simulator."""

import typer

app = typer.Typer(help="Smart-factory indicators, alarms, the SME programme and air quality.", no_args_is_help=True)


@app.command()
def mqtt(url: str = typer.Option(None, help="broker, e.g. mqtt://127.0.0.1:1883 (default INDUSTRY_MQTT_URL)")) -> None:
    """Consume Sparkplug B telemetry from the broker until stopped (Ctrl-C)."""
    import signal
    import threading

    from services.common.db import make_engine
    from services.common.observability import configure_logging
    from services.industry.settings import IndustrySettings
    from services.industry.telemetry.mqtt import run_consumer

    configure_logging()
    settings = IndustrySettings(**({"mqtt_url": url} if url else {}))
    if not settings.mqtt_url:
        raise typer.BadParameter("set INDUSTRY_MQTT_URL or --url")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    counts = run_consumer(make_engine(settings.database_url), settings, stop=stop)
    typer.echo(f"stopped: {counts}")


@app.command("simulate-mqtt")
def simulate_mqtt(
    url: str = typer.Option(None, help="broker (default INDUSTRY_MQTT_URL)"),
    duration_s: float = typer.Option(0, help="stop after this many seconds (0 = until stopped)"),
    interval_s: float = typer.Option(1.0),
) -> None:
    """Publish the simulated plant's telemetry as Sparkplug B (NBIRTH, DBIRTH, DDATA, NDEATH as its will)."""
    from services.industry.settings import IndustrySettings
    from services.industry.simulator import run_mqtt_plant

    settings = IndustrySettings(**({"mqtt_url": url} if url else {}))
    if not settings.mqtt_url:
        raise typer.BadParameter("set INDUSTRY_MQTT_URL or --url")
    run_mqtt_plant(settings.mqtt_url, duration_s=duration_s, interval_s=interval_s)
