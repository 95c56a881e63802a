"""Capacity of each service's hot route measured with wrk (not a Python client), at the city's peak (an offered
rate) and at saturation, beside a bare FastAPI route and a static answer in the same run: the static answer is
wrk's own ceiling on its core (every figure below it is the server's, not the generator's), the bare route the
framework's. wrk runs on one core and the servers on the other (taskset; the line `pinning` shows the kernel's
affinity of a running server). PostgreSQL itself is not pinned (a system service).

SQLite with 1 uvicorn worker; with AICITY_BENCH_POSTGRES_URL also PostgreSQL with the workers in
AICITY_CAPACITY_WORKERS ("1,2,4" by default). Bounded: AICITY_CAPACITY_SECONDS (5) per run;
AICITY_CAPACITY_ONLY=<service> runs one service.

The city's peaks are our assumptions, stated so they can be argued with: 200 buses each boarding a rider every
10 s (20/s); 641 kiosks each syncing a batch a minute (11/s); 500 plant gateways each posting a batch a second
(500/s); 200 applicants in the first second a cohort opens (200/s). The offered rate is made by wrk's `delay`
(each connection waits connections/rate between its requests: wrk2's constant rate approximated, without wrk2's
coordinated-omission correction), so a server slower than the peak shows as an achieved rate under the offer."""

import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run as a script from anywhere
sys.path.insert(0, str(HERE))

import capacity_workloads  # noqa: E402
import httpx  # noqa: E402
from wrk_load import SERVER_CPUS, WRK, BareApp, StaticTarget, affinity, pinning_line, run_wrk  # noqa: E402

from tools.hardening import Identity, ServiceProcess, drop_database, free_port, prepare  # noqa: E402

SECONDS = float(os.environ.get("AICITY_CAPACITY_SECONDS", "5"))
SATURATION_CONNECTIONS = 32
UNIQUE = 6000  # requests made beforehand per service (replayed in turn if a run gets through them all)

# service, route label, city peak (req/s), devices at the peak
WORKLOADS = [
    ("transit", "POST /v1/boardings (card)", 20, 200),
    ("health_hubs", "POST /v1/readings/batch (5 readings)", 11, 641),
    ("industry", "POST /v1/telemetry (50 readings)", 500, 500),
    ("talent_academy", "POST /v1/offerings/{id}/enrolments", 200, 200),
]


def run_service(service: str, title: str, peak: float, devices: int, *, workers: int,
                postgres_url: str | None) -> list[str]:
    clients = min(devices, 64)
    setup = getattr(capacity_workloads, service)
    lines = []
    with tempfile.TemporaryDirectory(prefix=f"aicity-capacity-{service}-") as tmp:
        service_url, identity_url = prepare(service, work_dir=Path(tmp), postgres_url=postgres_url)
        proc = ServiceProcess(service, service_url, identity_url, workers=workers, cpus=SERVER_CPUS).start()
        identity = Identity(identity_url)
        try:
            with httpx.Client(base_url=proc.base_url, timeout=60) as http:
                make = setup(http, identity, clients, service_url)
                specs = [make(c, i) for i in range(-(-UNIQUE // clients)) for c in range(clients)][:UNIQUE]
            peak_specs, saturation_specs = specs[: len(specs) // 4], specs[len(specs) // 4:]
            at_peak = run_wrk(f"  {title} at the city peak, {peak:g}/s offered", proc.base_url, peak_specs,
                              connections=min(clients, max(2, int(peak / 5))), duration_s=SECONDS, rate_per_s=peak)
            saturated = run_wrk(f"  {title} at saturation ({SATURATION_CONNECTIONS} connections)", proc.base_url,
                                saturation_specs, connections=SATURATION_CONNECTIONS, duration_s=SECONDS)
            if saturated.non_2xx:  # what the service said, in its own words
                spec = saturation_specs[-1]
                answer = httpx.request(spec["method"], proc.base_url + spec["url"], headers=spec.get("headers"),
                                       json=spec.get("json"), data=spec.get("data"), timeout=30)
                lines.append(f"    a replayed request answers {answer.status_code}: {answer.text[:200]}")
            healthz = run_wrk(f"  {service} GET /healthz at saturation", proc.base_url,
                              [{"method": "GET", "url": "/healthz"}], connections=SATURATION_CONNECTIONS,
                              duration_s=SECONDS)
            pinned_to = affinity(proc.proc.pid)
        finally:
            proc.stop()
            identity.engine.dispose()
            drop_database(service_url, postgres_url)
            drop_database(identity_url, postgres_url)
    wrapped = at_peak.requests > len(peak_specs) or saturated.requests > len(saturation_specs)
    return [f"{service} (server allowed cpu {pinned_to}):", at_peak.line(), saturated.line(), *lines, healthz.line(),
            f"    per worker at saturation: {saturated.per_s / workers:,.0f} req/s; "
            f"{saturated.per_s / healthz.per_s:.2f} of its own /healthz"
            + ("; the distinct requests ran out and were replayed (idempotent retries, answered 200)"
               if wrapped else "")]


def main() -> int:
    if not WRK:
        print("wrk is not installed (apt-get install wrk): no capacity figures")
        return 0
    postgres_url = os.environ.get("AICITY_BENCH_POSTGRES_URL")
    runs = [(None, 1)]
    if postgres_url:
        runs += [(postgres_url, int(w)) for w in os.environ.get("AICITY_CAPACITY_WORKERS", "1,2,4").split(",")]
    only = os.environ.get("AICITY_CAPACITY_ONLY")
    print(f"capacity with wrk (1 thread), {SECONDS:g} s a run, {len(os.sched_getaffinity(0))} cores; "
          f"the machine may be shared with other work (load average {os.getloadavg()[0]:.1f} at the start)")
    with StaticTarget(free_port()) as static, BareApp(free_port()) as bare:
        print(pinning_line(bare.proc.pid))
        ceiling = run_wrk("wrk's ceiling: static answer (raw uvloop), GET", static.base_url,
                          [{"method": "GET", "url": "/healthz"}], connections=SATURATION_CONNECTIONS,
                          duration_s=SECONDS)
        framework = run_wrk("baseline: bare FastAPI GET /healthz, 1 worker", bare.base_url,
                            [{"method": "GET", "url": "/healthz"}], connections=SATURATION_CONNECTIONS,
                            duration_s=SECONDS)
        echo = run_wrk("baseline: bare FastAPI POST /echo (a JSON body), 1 worker", bare.base_url,
                       [{"method": "POST", "url": "/echo", "json": {"items": [{"v": i} for i in range(5)]}}],
                       connections=SATURATION_CONNECTIONS, duration_s=SECONDS)
    for line in (ceiling.line(), framework.line(), echo.line(),
                 f"wrk drives the static answer {ceiling.per_s / framework.per_s:.1f}x as fast as the bare "
                 "framework: the generator is not what limits the figures below"):
        print(line)
    for database, workers in runs:
        print(f"-- {'postgresql' if database else 'sqlite'}, {workers} uvicorn worker(s)")
        for service, title, peak, devices in WORKLOADS:
            if only and only not in service:
                continue
            for line in run_service(service, title, peak, devices, workers=workers, postgres_url=database):
                print(line, flush=True)
    print(f"(load average at the end: {os.getloadavg()[0]:.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
