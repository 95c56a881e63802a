"""`aicity simulate`: runs each service's simulator (services/<name>/simulator.py) against the real APIs."""

import importlib
import logging
import random
import threading
import time

from services.suite import SERVICES

log = logging.getLogger("aicity.simulate")


def _simulators(credentials: dict, rate: float, seed: int) -> list:
    found = []
    for name, entry in SERVICES.items():
        try:
            module = importlib.import_module(f"services.{name}.simulator")
        except ModuleNotFoundError:
            continue
        found.append(module.Simulator(
            base_url=f"http://127.0.0.1:{entry.port}", credentials=credentials, rng=random.Random(seed), rate=rate
        ))
    return found


def run_simulation(*, rate: float, duration_s: float, credentials: dict, seed: int = 7) -> None:
    """Each simulator's `step()` is called about once a second in its own thread until stopped."""
    stop = threading.Event()
    started = time.monotonic()

    def loop(sim):
        backoff = 1.0
        while not stop.is_set():
            try:
                sim.step()
                backoff = 1.0
            except Exception as exc:  # a service that is down or starting: wait and try again
                log.warning("%s: %s", type(sim).__module__, exc)
                backoff = min(backoff * 2, 30.0)
                stop.wait(backoff)
                continue
            stop.wait(1.0)

    threads = [threading.Thread(target=loop, args=(s,), daemon=True) for s in _simulators(credentials, rate, seed)]
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
