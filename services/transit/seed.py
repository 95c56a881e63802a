"""Demo data for the transit service, loaded by `aicity up` on first run."""

from sqlalchemy.engine import Engine

# (name, device kind, place) of the demo devices this service needs; `aicity seed` creates their keys.
DEMO_DEVICES: list[tuple[str, str, str | None]] = []


def seed(engine: Engine, *, settings, credentials: dict) -> dict:
    """Loads demo data once; returns a summary. `credentials` holds the demo device keys by name."""
    return {}
