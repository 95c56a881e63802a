"""Fixtures of the dashboard's tests: a running suite (the four services on free ports, migrated and seeded),
the dashboard pointed at it."""

import os
from pathlib import Path

import pytest

from services.suite import SERVICES
from tests.dashboard.live_suite import CHROMIUM, CHROMIUM_ARGS, start_suite, stop


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


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright, one per test module; skipped where either is missing."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: `apt-get install chromium` (Debian) to run browser tests")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
