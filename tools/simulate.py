"""`aicity simulate`: runs each service's simulator (services/<name>/simulator.py) against the real APIs.

Each simulator only speaks HTTP to its service. Where each service is: AICITY_<SERVICE>_URL (the dashboard reads
the same variables), else 127.0.0.1 on the suite's port. How busy: `rate` for all, and per service
AICITY_SIMULATE_RATES="transit=2,industry=0.5" (0 turns a service's simulator off).
"""

import importlib
import logging
import os
import random
import threading
import time

from services.suite import SERVICES

log = logging.getLogger("aicity.simulate")


def base_url(name: str) -> str:
    return os.environ.get(f"AICITY_{name.upper()}_URL", f"http://127.0.0.1:{SERVICES[name].port}").rstrip("/")


def parse_rates(text: str | None) -> dict[str, float]:
    """'transit=2, industry=0.5' -> {'transit': 2.0, 'industry': 0.5}; unknown names and bad numbers refused."""
    rates: dict[str, float] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or name not in SERVICES:
            raise ValueError(f"bad rate {part.strip()!r}: use <service>=<multiplier>, services: {', '.join(SERVICES)}")
        number = float(value)
        if number < 0:
            raise ValueError(f"bad rate {part.strip()!r}: a multiplier is >= 0")
        rates[name] = number
    return rates


def _simulators(credentials: dict, rate: float, seed: int, rates: dict[str, float] | None = None) -> list:
    rates = {**parse_rates(os.environ.get("AICITY_SIMULATE_RATES")), **(rates or {})}
    found = []
    for i, name in enumerate(SERVICES):
        service_rate = rate * rates.get(name, 1.0)
        if service_rate <= 0:
            continue
        try:
            module = importlib.import_module(f"services.{name}.simulator")
        except ModuleNotFoundError:
            continue
        # each service its own random stream, so one simulator's changes do not shift the others'
        found.append(module.Simulator(base_url=base_url(name), credentials=credentials,
                                      rng=random.Random(seed * 1000 + i), rate=service_rate))
    return found


def run_simulation(*, rate: float, duration_s: float, credentials: dict, seed: int = 7,
                   rates: dict[str, float] | None = None) -> None:
    """Each simulator's `step()` is called about once a second in its own thread until stopped."""
    stop = threading.Event()
    started = time.monotonic()

    def loop(sim):
        backoff = 1.0
        while not stop.is_set():
            began = time.monotonic()
            try:
                sim.step()
                backoff = 1.0
            except Exception as exc:  # a service that is down or starting: wait and try again
                log.warning("%s: %s", type(sim).__module__, exc)
                backoff = min(backoff * 2, 30.0)
                stop.wait(backoff)
                continue
            stop.wait(max(0.0, 1.0 - (time.monotonic() - began)))  # about once a second, step time included

    threads = [threading.Thread(target=loop, args=(s,), daemon=True)
               for s in _simulators(credentials, rate, seed, rates)]
    for t in threads:
        t.start()
    try:
        while not stop.is_set():
            if duration_s and time.monotonic() - started > duration_s:
                break
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    stop.set()
