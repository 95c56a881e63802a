"""Demo data for the transit service: boarding and signals each seed their own part."""

from sqlalchemy.engine import Engine

from services.transit.boarding import seed as boarding_seed
from services.transit.signals import seed as signals_seed

DEMO_DEVICES: list[tuple[str, str, str | None]] = [*boarding_seed.DEMO_DEVICES, *signals_seed.DEMO_DEVICES]


def seed(engine: Engine, *, settings, credentials: dict) -> dict:
    return {
        "boarding": boarding_seed.seed(engine, settings=settings, credentials=credentials),
        "signals": signals_seed.seed(engine, settings=settings, credentials=credentials),
    }
