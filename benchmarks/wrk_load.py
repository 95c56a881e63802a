"""Load with wrk (Debian's native HTTP load generator) instead of a Python client, which measures itself: the
requests are made in Python beforehand (each with its own ids, so a write is a new write) and replayed by wrk from a
generated Lua script. Three modes: saturation (as fast as the connections allow), an offered rate (each connection
paced by wrk's `delay`, an approximation of wrk2's constant rate: latency is timed from the paced send, so a
server that falls behind shows as a lower rate, not as queueing time), and a burst (N connections, one request
each, all sent at once; the burst's wall time from the first send to the last answer, by CLOCK_MONOTONIC through
LuaJIT's ffi). wrk runs on one core and the server on the other (taskset) when the machine has two or more.
Used by bench_capacity.py and bench_academy_enrolment.py."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx

HERE = Path(__file__).resolve().parent
WRK = shutil.which("wrk")
TASKSET = shutil.which("taskset")


def _cpu_split() -> tuple[str | None, str | None]:
    """(wrk's core, the server's cores) as taskset lists, or (None, None) when pinning is off or impossible."""
    cpus = sorted(os.sched_getaffinity(0))
    if os.environ.get("AICITY_CAPACITY_PIN", "1") == "0" or len(cpus) < 2 or not TASKSET:
        return None, None
    return str(cpus[0]), ",".join(str(c) for c in cpus[1:])


LOAD_CPU, SERVER_CPUS = _cpu_split()


def pinned(command: list[str], cpus: str | None) -> list[str]:
    return [TASKSET, "-c", cpus, *command] if cpus else command


def affinity(pid: int) -> str:
    """The cores a running process may use, as the kernel has it (the proof of the pinning)."""
    try:
        return ",".join(str(c) for c in sorted(os.sched_getaffinity(pid)))
    except OSError:
        return "?"


def pinning_line(server_pid: int | None = None) -> str:
    if not LOAD_CPU:
        return "pinning: off (fewer than 2 cores, taskset missing or AICITY_CAPACITY_PIN=0): wrk and server share cores"
    server = f"; server pid {server_pid} allowed cpu {affinity(server_pid)}" if server_pid else ""
    return f"pinning (taskset): wrk on cpu {LOAD_CPU}, servers on cpu {SERVER_CPUS}{server}"


_LUA = r"""
local ffi = require("ffi")
ffi.cdef[[ typedef struct { long tv_sec; long tv_nsec; } aicity_ts; int clock_gettime(int, aicity_ts *);
            int kill(int, int); int getpid(void); ]]
local ts = ffi.new("aicity_ts")
local function now_us()
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.tv_sec) * 1000000 + math.floor(tonumber(ts.tv_nsec) / 1000)
end
local threads = {}
setup = function(thread) table.insert(threads, thread) end
local reqs = dofile("%(table)s")
local i = 0
local pace_ms = %(pace_ms)s
local limit = %(limit)s
issued, answered, first_us, last_us = 0, 0, 0, 0
statuses = {}
request = function()
  if issued == 0 then first_us = now_us() end
  issued = issued + 1
  i = i %% #reqs + 1
  return reqs[i]
end
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  answered = answered + 1
  last_us = now_us()
  if limit > 0 and answered >= limit then  -- SIGINT ends wrk's sleep through -d: the burst is over
    wrk.thread:stop()
    ffi.C.kill(ffi.C.getpid(), 2)
  end
end
%(delay)s
done = function(summary, latency, requests)
  local e = summary.errors
  local counts, first, last, answers = {}, 0, 0, 0
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses")) do counts[code] = (counts[code] or 0) + n end
    local f, l = thread:get("first_us"), thread:get("last_us")
    if f > 0 and (first == 0 or f < first) then first = f end
    if l > last then last = l end
    answers = answers + thread:get("answered")
  end
  local parts = {}
  for code, n in pairs(counts) do table.insert(parts, string.format("\"%%d\":%%d", code, n)) end
  io.write(string.format(
    "WRKJSON {\"requests\":%%d,\"duration_us\":%%d,\"status_errors\":%%d,\"connect\":%%d,\"read\":%%d," ..
    "\"write\":%%d,\"timeout\":%%d,\"p50_us\":%%d,\"p90_us\":%%d,\"p99_us\":%%d,\"max_us\":%%d,\"answered\":%%d," ..
    "\"span_us\":%%d,\"statuses\":{%%s}}\n",
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, answers, last - first,
    table.concat(parts, ",")))
end
"""

_DELAY_PACED = "delay = function() return pace_ms end"
_DELAY_BURST = "delay = function() if issued >= limit then return 600000 end return 0 end"  # one request each


@dataclass
class WrkResult:
    label: str
    requests: int
    duration_s: float
    status_errors: int  # answers of 400 and above as wrk counts them
    transport_errors: int  # connect, read, write failures and timeouts (answers slower than --timeout, which wrk
    # leaves out of the latencies: a run with timeouts understates its percentiles)
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    statuses: dict[str, int] = field(default_factory=dict)
    span_s: float | None = None  # a burst: first send to last answer
    idle_closed: int = 0  # a burst: connections closed by the server's keep-alive timeout after their answer

    @property
    def per_s(self) -> float:
        seconds = self.span_s if self.span_s else self.duration_s
        return self.requests / seconds if seconds else 0.0

    @property
    def non_2xx(self) -> int:
        return sum(n for code, n in self.statuses.items() if not code.startswith("2"))

    def line(self) -> str:
        odd = [f"{n} x {code}" for code, n in sorted(self.statuses.items()) if not code.startswith("2")]
        return (f"{self.label}: {self.per_s:,.0f} req/s, p50 {self.p50_ms:.1f} ms, p99 {self.p99_ms:.1f} ms "
                f"(max {self.max_ms:.0f}), {self.requests} requests, non-2xx {self.non_2xx}"
                + (f" ({', '.join(odd)})" if odd else "") + f", transport errors {self.transport_errors}"
                + (f" ({self.idle_closed} idle connections closed by keep-alive after their answer)"
                   if self.idle_closed else ""))


def _lua_string(text: str) -> str:
    """A quoted Lua string with every byte kept (a long bracket string would turn CR LF into LF)."""
    out = []
    for byte in text.encode():
        char = chr(byte)
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif 32 <= byte < 127:
            out.append(char)
        else:
            out.append(f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


def _raw_request(host: str, spec: dict) -> str:
    """One HTTP/1.1 request as wrk sends it, from the benchmarks' request dicts (method, url, headers,
    json | data)."""
    headers = {"Host": host, **(spec.get("headers") or {})}
    body = ""
    if spec.get("json") is not None:
        body = json.dumps(spec["json"], separators=(",", ":"))
        headers["Content-Type"] = "application/json"
    elif spec.get("data") is not None:
        body = urlencode(spec["data"])
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if body or spec["method"] in ("POST", "PUT", "PATCH"):
        headers["Content-Length"] = str(len(body.encode()))
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return f"{spec['method']} {spec['url']} HTTP/1.1\r\n{head}\r\n{body}"


def run_wrk(label: str, base_url: str, specs: list[dict], *, connections: int, duration_s: float,
            rate_per_s: float | None = None, burst: bool = False, threads: int = 1,
            timeout_s: float = 10) -> WrkResult:
    """wrk replaying `specs` in turn over `connections` connections for `duration_s`. With `rate_per_s`, each
    connection waits 1000 * connections / rate ms before each request (an offered rate, wrk2-style but without
    wrk2's correction for coordinated omission). With `burst`, each connection sends one request, all at once,
    and wrk stops at the last answer (`duration_s` is then only the cap)."""
    if not WRK:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    host = re.sub(r"^https?://", "", base_url).rstrip("/")
    limit = min(connections, len(specs)) if burst else 0
    if burst:  # wrk leaves an answer slower than --timeout out of its latencies (counted as a timeout instead)
        connections, timeout_s = limit, max(timeout_s, duration_s)
    with tempfile.TemporaryDirectory(prefix="aicity-wrk-") as tmp:
        table = Path(tmp) / "requests.lua"
        table.write_text("return {\n" + ",\n".join(_lua_string(_raw_request(host, s)) for s in specs) + "\n}\n")
        pace_ms = int(1000 * connections / rate_per_s) if rate_per_s else 0
        script = Path(tmp) / "replay.lua"
        delay = _DELAY_BURST if burst else _DELAY_PACED if rate_per_s else ""
        script.write_text(_LUA % {"table": table, "pace_ms": pace_ms, "limit": limit, "delay": delay})
        proc = subprocess.run(
            pinned([WRK, "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(duration_s))}s",
                    "--timeout", f"{timeout_s:.0f}s", "-s", str(script), base_url], LOAD_CPU),
            capture_output=True, text=True, timeout=duration_s + 120)
    found = re.search(r"WRKJSON (\{.*\})", proc.stdout)
    if not found:
        raise RuntimeError(f"wrk gave no summary: {proc.stdout[-800:]} {proc.stderr[-800:]}")
    s = json.loads(found.group(1))
    span = s["span_us"] / 1e6 if burst else None
    if burst and s["answered"] < limit:
        label += f" [only {s['answered']} of {limit} answered within {duration_s:g} s]"
    # in a burst each connection idles after its one answer, and uvicorn closes it after 5 s (keep-alive): wrk
    # counts that as a read error, though the answer came; every answer is in `answered`
    idle = s["read"] if burst else 0
    return WrkResult(label, s["answered"] if burst else s["requests"], s["duration_us"] / 1e6, s["status_errors"],
                     s["connect"] + s["read"] + s["write"] + s["timeout"] - idle,
                     s["p50_us"] / 1000, s["p90_us"] / 1000, s["p99_us"] / 1000, s["max_us"] / 1000,
                     s.get("statuses") or {}, span, idle)


class _Server:
    """A child server in its own process group, pinned to the server cores, stopped with the group."""

    command: list[str]
    ready_path = "/healthz"

    def __init__(self, port: int):
        self.port, self.proc = port, None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.proc = subprocess.Popen(pinned(self.command, SERVER_CPUS), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, env={**os.environ}, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base_url + self.ready_path, timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        self.__exit__()
        raise RuntimeError(f"{type(self).__name__} did not start")

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=10)


class BareApp(_Server):
    """A bare FastAPI app (GET /healthz, POST /echo) under uvicorn with the same flags as the services: the
    framework's own ceiling."""

    def __init__(self, port: int, workers: int = 1):
        super().__init__(port)
        self.command = [sys.executable, "-m", "uvicorn", "--factory", "--app-dir", str(HERE), "bare_app:create_app",
                        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--log-level",
                        "warning", "--no-access-log", "--backlog", "4096"]


class StaticTarget(_Server):
    """A fixed answer from a raw uvloop protocol: wrk's own ceiling on its core."""

    def __init__(self, port: int):
        super().__init__(port)
        self.command = [sys.executable, str(HERE / "static_target.py"), str(port)]
