"""Load with wrk (Debian's native HTTP load generator) instead of a Python client, which measures itself: the
requests are made in Python beforehand (each with its own ids, so a write is a new write) and replayed by wrk from a
generated Lua script; a bare FastAPI app in the same run shows the generator's ceiling and the framework's own.
Used by bench_capacity.py."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx

HERE = Path(__file__).resolve().parent
WRK = shutil.which("wrk")

# per request: a pre-formatted request string; `delay` paces each connection for a fixed offered rate
_LUA = r"""
local threads = {}
setup = function(thread) table.insert(threads, thread) end
local reqs = dofile("%(table)s")
local i = 0
local pace_ms = %(pace_ms)s
statuses = {}
request = function()
  i = i %% #reqs + 1
  return reqs[i]
end
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
%(delay)s
done = function(summary, latency, requests)
  local e = summary.errors
  local counts = {}
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses")) do counts[code] = (counts[code] or 0) + n end
  end
  local parts = {}
  for code, n in pairs(counts) do table.insert(parts, string.format("\"%%d\":%%d", code, n)) end
  io.write(string.format(
    "WRKJSON {\"requests\":%%d,\"duration_us\":%%d,\"status_errors\":%%d,\"connect\":%%d,\"read\":%%d," ..
    "\"write\":%%d,\"timeout\":%%d,\"p50_us\":%%d,\"p90_us\":%%d,\"p99_us\":%%d,\"max_us\":%%d," ..
    "\"statuses\":{%%s}}\n",
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, table.concat(parts, ",")))
end
"""


@dataclass
class WrkResult:
    label: str
    requests: int
    duration_s: float
    status_errors: int  # answers of 400 and above (wrk counts them, the service answered)
    transport_errors: int  # connect, read, write failures and timeouts
    p50_ms: float
    p90_ms: float
    p99_ms: float
    statuses: dict[str, int]

    @property
    def per_s(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    def line(self) -> str:
        return (f"{self.label}: {self.per_s:,.0f} req/s, p50 {self.p50_ms:.1f} ms, p90 {self.p90_ms:.1f} ms, "
                f"p99 {self.p99_ms:.1f} ms, {self.requests} requests, {self.status_errors} answered >= 400"
                + (f" ({', '.join(f'{n} x {code}' for code, n in sorted(self.statuses.items()) if code >= '400')})"
                   if self.status_errors else "")
                + f", {self.transport_errors} transport errors")


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
            rate_per_s: float | None = None, threads: int = 1, timeout_s: float = 10) -> WrkResult:
    """wrk replaying `specs` in turn over `connections` connections for `duration_s`; with `rate_per_s`, each
    connection waits between requests so that the offered rate is about that (a city's peak rather than all the
    server can take)."""
    if not WRK:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    host = re.sub(r"^https?://", "", base_url).rstrip("/")
    with tempfile.TemporaryDirectory(prefix="aicity-wrk-") as tmp:
        table = Path(tmp) / "requests.lua"
        table.write_text("return {\n" + ",\n".join(_lua_string(_raw_request(host, s)) for s in specs) + "\n}\n")
        pace_ms = int(1000 * connections / rate_per_s) if rate_per_s else 0
        script = Path(tmp) / "replay.lua"
        script.write_text(_LUA % {"table": table, "pace_ms": pace_ms,
                                  "delay": "delay = function() return pace_ms end" if rate_per_s else ""})
        proc = subprocess.run(
            [WRK, "-t", str(threads), "-c", str(connections), "-d", f"{duration_s:.0f}s", "--timeout",
             f"{timeout_s:.0f}s", "-s", str(script), base_url],
            capture_output=True, text=True, timeout=duration_s + 120)
    found = re.search(r"WRKJSON (\{.*\})", proc.stdout)
    if not found:
        raise RuntimeError(f"wrk gave no summary: {proc.stdout[-800:]} {proc.stderr[-800:]}")
    s = json.loads(found.group(1))
    return WrkResult(label, s["requests"], s["duration_us"] / 1e6, s["status_errors"],
                     s["connect"] + s["read"] + s["write"] + s["timeout"],
                     s["p50_us"] / 1000, s["p90_us"] / 1000, s["p99_us"] / 1000, s.get("statuses") or {})


class BareApp:
    """A bare FastAPI app (GET /healthz, POST /echo) under uvicorn with the same flags as the services: the
    framework's own ceiling, and proof that wrk is not the bottleneck."""

    def __init__(self, port: int, workers: int = 1):
        self.port, self.workers, self.proc = port, workers, None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "BareApp":
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "--app-dir", str(HERE), "bare_app:create_app",
             "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers), "--log-level",
             "warning", "--no-access-log"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ}, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base_url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the bare app did not start")

    def __exit__(self, *exc) -> None:
        import signal

        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=10)
