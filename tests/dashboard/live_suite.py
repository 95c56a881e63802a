"""Start the suite as `aicity up` does (the four services, the simulator, the dashboard) on free ports, on
databases given by URL, with demo credentials in their own AICITY_VAR_DIR. Used by the tests and the benchmark."""

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from services.suite import SERVICES
from tools.hardening import free_port

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "dashboard" / "app.py")


def wait_until_up(url: str, proc: subprocess.Popen | None = None, timeout_s: float = 300) -> None:
    """A process that exits fails at once; the long wait is for a busy machine, where four services importing
    at once beside a parallel test worker took more than 90 s to answer (load 15-20 on 2 cores)."""
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
    procs: dict = field(default_factory=dict)

    def url_env(self) -> dict:
        return {f"AICITY_{name.upper()}_URL": url for name, url in self.urls.items()}


def start_suite(var_dir: Path, database_urls: dict[str, str], *, log_dir: Path) -> RunningSuite:
    env = {**os.environ, "AICITY_VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1",
           "AICITY_IDENTITY_DATABASE_URL": database_urls["identity"]}
    for name in SERVICES:
        env[f"{name.upper()}_DATABASE_URL"] = database_urls[name]
    for step in ("migrate", "seed"):
        done = subprocess.run([sys.executable, "-m", "services.cli", step], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=900)
        if done.returncode:
            raise RuntimeError(f"aicity {step} failed ({done.returncode}): {done.stderr[-3000:]}")
    procs, urls = {}, {}
    for name in SERVICES:
        port = free_port()
        log = open(log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        procs[name] = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", f"services.{name}.main:create_app", "--host", "127.0.0.1",
             "--port", str(port), "--no-access-log", "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        urls[name] = f"http://127.0.0.1:{port}"
    try:
        for name, url in urls.items():
            wait_until_up(url + "/healthz", procs[name], timeout_s=300)  # a busy machine takes minutes to import
    except RuntimeError:
        stop(procs)  # none left running when one never came up
        raise
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




def start_dashboard(suite: RunningSuite | None, *, log_dir: Path, cache: bool = True, app: str = APP,
                    extra_args: tuple[str, ...] = ()) -> tuple[str, subprocess.Popen]:
    """`streamlit run dashboard/app.py` as `aicity up` starts it, pointed at the suite; returns (url, process).
    `app` and `extra_args` let the benchmark run its empty baseline app or Streamlit's developer toolbar."""
    port = free_port()
    env = {**os.environ, **(suite.env if suite else {}), **(suite.url_env() if suite else {}),
           "AICITY_DASHBOARD_CACHE": "on" if cache else "off"}
    log = open(log_dir / f"dashboard-{port}.log", "ab")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", app, "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
         *extra_args],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url + "/_stcore/health", proc)
    return url, proc


def start_simulator(suite: RunningSuite, *, log_dir: Path, rate: float = 1.0) -> subprocess.Popen:
    """`aicity simulate` against the suite's ports (it reads AICITY_<SERVICE>_URL)."""
    log = open(log_dir / "simulate.log", "ab")  # noqa: SIM115 - closed with the process
    return subprocess.Popen([sys.executable, "-m", "services.cli", "simulate", "--rate", str(rate)], cwd=ROOT,
                            env={**suite.env, **suite.url_env()}, stdout=log, stderr=subprocess.STDOUT)


# ---- the browser ---------------------------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
# (name, link in the sidebar, heading of the main area) of every page after sign-in, Korean labels, in order.
PAGES = [("overview", "한눈에 보기", "포항 AI 도시 대시보드"), ("boarding", "버스 승차·부정승차", "버스 승차·부정승차"),
         ("crossings", "횡단보도·보행자", "횡단보도·보행자"), ("health", "경로당 건강", "경로당 건강"),
         ("academy", "인재 아카데미", "인재 아카데미"), ("industry", "산업·대기질", "산업·대기질")]
ERROR_TEXTS = ["Traceback", "Error:", "Exception", "서비스 오류", "응답하지 않습니다", "service error",
               "is not answering"]


def wait_for_render(page, timeout_ms: float = 60_000, marks: dict | None = None) -> None:
    """Until the script has run to the end and every chart has drawn (`marks` gets when the script ended)."""
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout_ms)
    if marks is not None:
        marks["script_done"] = time.perf_counter()
    page.wait_for_function(
        """() => !document.querySelector("[data-testid='stSkeleton']")
                 && [...document.querySelectorAll("[data-testid='stVegaLiteChart']")]
                      .every(c => c.querySelector('canvas, svg'))
                 && [...document.querySelectorAll("[data-testid='stDeckGlJsonChart']")]
                      .every(c => c.querySelector('canvas'))""",
        timeout=timeout_ms)


def sign_in(page, base_url: str, username: str = "official", password: str = "official-demo-pass") -> None:
    page.goto(base_url + "/")
    page.wait_for_selector("input[type='password']", timeout=60_000)
    page.locator("input[type='text']").first.fill(username)
    page.locator("input[type='password']").fill(password)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_selector("[data-testid='stSidebarNavLink']", timeout=60_000)
    wait_for_render(page)


def open_page(page, link: str, heading: str, marks: dict | None = None) -> float:
    """Clicks the page's link in the sidebar (the session, and its sign-in, stay); returns seconds to full render.
    `marks` gets the seconds until the script had finished ('script_s'), the rest being the browser drawing."""
    started = time.perf_counter()
    page.locator("[data-testid='stSidebarNavLink']").filter(has_text=link).first.click()
    page.locator("[data-testid='stMain'] h1, [data-testid='stMain'] h2").filter(has_text=heading).first.wait_for(
        timeout=60_000)
    wait_for_render(page, marks=marks)
    if marks is not None:
        marks["script_s"] = marks.pop("script_done") - started
    return time.perf_counter() - started


def page_errors(page) -> list[str]:
    """Exceptions Streamlit shows, and our own 'down' / 'error' messages."""
    found = [e.inner_text() for e in page.locator("[data-testid='stException']").all()]
    body = page.locator("[data-testid='stMain']").inner_text()
    found += [text for text in ERROR_TEXTS if text in body]
    return found


def screenshot_whole_page(page, path) -> None:
    """Streamlit scrolls inside its main area, so a full-page shot would cut it: grow the viewport to the
    content's height, wait for the charts to redraw, shoot, and give the viewport back."""
    size = page.viewport_size
    height = page.evaluate("""() => Math.max(...[...document.querySelectorAll(
        "[data-testid='stMain'], [data-testid='stMainBlockContainer'], [data-testid='stAppViewContainer']")]
        .map(e => e.scrollHeight))""")
    page.set_viewport_size({"width": size["width"], "height": min(max(height + 40, size["height"]), 6000)})
    page.wait_for_timeout(400)
    wait_for_render(page)
    page.screenshot(path=str(path))
    page.set_viewport_size(size)
