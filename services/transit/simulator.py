"""Demo activity for transit: boarding and signals each drive their part through the HTTP API."""

import importlib


class Simulator:
    def __init__(self, *, base_url: str, credentials: dict, rng, rate: float):
        self.parts = []
        for sub in ("boarding", "signals"):
            try:
                module = importlib.import_module(f"services.transit.{sub}.simulator")
            except ModuleNotFoundError:
                continue
            self.parts.append(module.Simulator(base_url=base_url, credentials=credentials, rng=rng, rate=rate))

    def step(self) -> None:
        for part in self.parts:
            part.step()
