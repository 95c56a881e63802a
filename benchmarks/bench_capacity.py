"""Capacity per uvicorn worker of each service's hot route, measured with wrk (not a Python client), at the city's
peak (an offered rate) and at saturation, beside a bare FastAPI route in the same run: the bare route's figure is
both the framework's ceiling and the proof that wrk is not the bottleneck (it drives that route faster than any of
ours). SQLite by default; AICITY_BENCH_POSTGRES_URL runs PostgreSQL with the workers in AICITY_CAPACITY_WORKERS
("1" by default; "2,4" for the multi-worker runs). Bounded: AICITY_CAPACITY_SECONDS (8) per run.

The city's peaks are our assumptions, stated so they can be argued with: 200 buses each boarding a rider every
10 s (20/s); 641 kiosks each syncing a batch a minute (11/s); 500 plant gateways each posting a batch a second
(500/s); 200 applicants in the first second a cohort opens (200/s)."""

import importlib.util
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run as a script from anywhere
sys.path.insert(0, str(HERE))

import httpx  # noqa: E402
from wrk_load import WRK, BareApp, run_wrk  # noqa: E402

from tools.hardening import Identity, ServiceProcess, drop_database, free_port, prepare  # noqa: E402

SECONDS = float(os.environ.get("AICITY_CAPACITY_SECONDS", "8"))
SATURATION_CONNECTIONS = 32

# service, the load script whose setup makes the requests, route label, city peak (req/s), devices at the peak,
# unique requests made beforehand
WORKLOADS = [
    ("transit", "bench_load_transit.py", "POST /v1/boardings (card)", 20, 200, 4000),
    ("health_hubs", "bench_load_health_hubs.py", "POST /v1/readings/batch (5 readings)", 11, 641, 4000),
    ("industry", "bench_load_industry.py", "POST /v1/telemetry/batch", 500, 500, 6000),
    ("talent_academy", "bench_load_talent_academy.py", "POST /v1/offerings/{id}/enrolments", 200, 200, 800),
]


def _setup_of(script: str):
    spec = importlib.util.spec_from_file_location(script[:-3], HERE / script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_service(service: str, script: str, title: str, peak: float, devices: int, unique: int, *, workers: int,
                postgres_url: str | None) -> list[str]:
    module = _setup_of(script)
    clients = min(devices, 64)
    per_client = -(-unique // clients)
    if hasattr(module, "PER_CLIENT"):
        module.PER_CLIENT = per_client  # the academy's setup makes one learner per request
    lines = []
    with tempfile.TemporaryDirectory(prefix=f"aicity-capacity-{service}-") as tmp:
        service_url, identity_url = prepare(service, work_dir=Path(tmp), postgres_url=postgres_url)
        proc = ServiceProcess(service, service_url, identity_url, workers=workers).start()
        identity = Identity(identity_url)
        try:
            with httpx.Client(base_url=proc.base_url, timeout=60) as http:
                make = module.setup(http, identity, clients)
                specs = [make(c, i) for i in range(per_client) for c in range(clients)][:unique]
            half = len(specs) // 3
            # enough connections that each waits ~200 ms between requests: an even offered rate
            at_peak = run_wrk(f"{service} {title} at the city peak ({peak:g}/s offered)", proc.base_url,
                              specs[:half], connections=min(clients, max(2, int(peak / 5))), duration_s=SECONDS,
                              rate_per_s=peak)
            saturated = run_wrk(f"{service} {title} at saturation ({SATURATION_CONNECTIONS} connections)",
                                proc.base_url, specs[half:], connections=SATURATION_CONNECTIONS, duration_s=SECONDS)
            if saturated.status_errors:  # what the service said, in its own words
                spec = specs[-1]
                answer = httpx.request(spec["method"], proc.base_url + spec["url"], headers=spec.get("headers"),
                                       json=spec.get("json"), data=spec.get("data"), timeout=30)
                lines.append(f"  a replayed request answers {answer.status_code}: {answer.text[:200]}")
            healthz = run_wrk(f"{service} GET /healthz at saturation", proc.base_url,
                              [{"method": "GET", "url": "/healthz"}], connections=SATURATION_CONNECTIONS,
                              duration_s=SECONDS)
        finally:
            proc.stop()
            identity.engine.dispose()
            drop_database(service_url, postgres_url)
            drop_database(identity_url, postgres_url)
    lines = [at_peak.line(), saturated.line(), *lines, healthz.line(),
              f"  ({len(specs)} distinct requests made beforehand, replayed in turn: a replay is an idempotent retry "
              "or, for enrolment past the 30 seats and the 200-place waitlist, a 409 waitlist_full)"]
    return lines


def main() -> int:
    if not WRK:
        print("wrk is not installed (apt-get install wrk): no capacity figures")
        return 0
    postgres_url = os.environ.get("AICITY_BENCH_POSTGRES_URL")
    workers_list = [int(w) for w in os.environ.get("AICITY_CAPACITY_WORKERS", "1").split(",")]
    backend = "postgresql" if postgres_url else "sqlite"
    print(f"capacity with wrk 1 thread, {SECONDS:g} s a run, {os.cpu_count()} cores, {backend}")
    with BareApp(free_port()) as bare:
        ceiling = run_wrk("baseline: bare FastAPI GET /healthz, 1 worker (the generator drives at least this)",
                          bare.base_url, [{"method": "GET", "url": "/healthz"}],
                          connections=SATURATION_CONNECTIONS, duration_s=SECONDS)
        echo = run_wrk("baseline: bare FastAPI POST /echo (a JSON body), 1 worker", bare.base_url,
                       [{"method": "POST", "url": "/echo", "json": {"items": [{"v": i} for i in range(5)]}}],
                       connections=SATURATION_CONNECTIONS, duration_s=SECONDS)
    print(ceiling.line())
    print(echo.line())
    only = os.environ.get("AICITY_CAPACITY_ONLY")
    for workers in workers_list:
        print(f"-- {workers} uvicorn worker(s)")
        for service, script, title, peak, devices, unique in WORKLOADS:
            if only and only not in service:
                continue
            for line in run_service(service, script, title, peak, devices, unique, workers=workers,
                                    postgres_url=postgres_url):
                print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
