"""Demo data for transit signals."""

from sqlalchemy.engine import Engine

# (name, device kind, place) of the demo devices transit signals needs; `aicity seed` creates their keys.
DEMO_DEVICES: list[tuple[str, str, str | None]] = []


def seed(engine: Engine, *, settings, credentials: dict) -> dict:
    return {}
