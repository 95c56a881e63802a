"""A running suite for the dashboard's tests: the four services under uvicorn on free ports, on migrated and
seeded databases of the session's backend, demo credentials in a temporary AICITY_VAR_DIR."""

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from services.suite import SERVICES

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "dashboard" / "app.py")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen | None = None, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{url}: process exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout_s} s")


@dataclass
class RunningSuite:
    env: dict
    urls: dict[str, str]
    var_dir: Path
    credentials: dict
    procs: dict

    def url_env(self) -> dict:
        return {f"AICITY_{name.upper()}_URL": url for name, url in self.urls.items()}


def start_suite(var_dir: Path, database_urls: dict[str, str], *, log_dir: Path) -> RunningSuite:
    env = {**os.environ, "AICITY_VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1",
           "AICITY_IDENTITY_DATABASE_URL": database_urls["identity"]}
    for name in SERVICES:
        env[f"{name.upper()}_DATABASE_URL"] = database_urls[name]
    for step in ("migrate", "seed"):
        subprocess.run([sys.executable, "-m", "services.cli", step], cwd=ROOT, env=env, check=True,
                       capture_output=True, timeout=900)
    procs, urls = {}, {}
    for name in SERVICES:
        port = free_port()
        log = open(log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        procs[name] = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", f"services.{name}.main:create_app", "--host", "127.0.0.1",
             "--port", str(port), "--no-access-log", "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        urls[name] = f"http://127.0.0.1:{port}"
    for name, url in urls.items():
        wait_until_up(url + "/healthz", procs[name])
    credentials = json.loads((var_dir / "demo-credentials.json").read_text())
    return RunningSuite(env=env, urls=urls, var_dir=var_dir, credentials=credentials, procs=procs)


def stop(procs: dict) -> None:
    for proc in procs.values():
        if proc.poll() is None:
            proc.terminate()
    for proc in procs.values():
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def running_suite(tmp_path_factory, databases):
    var_dir = tmp_path_factory.mktemp("suite-var")
    urls = {name: databases.new_url(f"dash_{name}") for name in ["identity", *SERVICES]}
    suite = start_suite(var_dir, urls, log_dir=var_dir)
    try:
        yield suite
    finally:
        stop(suite.procs)


@pytest.fixture(scope="session")
def dashboard_env(running_suite):
    """Points the dashboard (imported in this process by AppTest) at the running suite."""
    saved = {k: os.environ.get(k) for k in running_suite.url_env()}
    os.environ.update(running_suite.url_env())
    yield running_suite
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
