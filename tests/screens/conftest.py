"""Browser tests of the citizen screens: real services under uvicorn on free ports (temp migrated databases),
Debian's Chromium driven by Playwright, a fake camera fed from a face photo, axe-core in the page."""

from pathlib import Path

import pytest

from tests.screens.helpers import CHROMIUM, ServiceUnderTest, launch


def pytest_collection_modifyitems(config, items):
    missing = None
    if not Path(CHROMIUM).exists():
        missing = f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set AICITY_CHROMIUM)"
    else:
        try:
            import axe_playwright_python  # noqa: F401
            import playwright  # noqa: F401
        except ImportError as exc:
            missing = f"playwright / axe-playwright-python not installed: {exc}"
    for item in items:
        if "browser" in item.keywords and missing and "tests/screens" in str(item.fspath):
            item.add_marker(pytest.mark.skip(reason=missing))


@pytest.fixture(scope="module")
def start_service(databases):
    started: list[ServiceUnderTest] = []

    def start(name: str, **overrides) -> ServiceUnderTest:
        service = ServiceUnderTest(name, databases, **overrides)
        started.append(service)
        return service

    yield start
    for service in started:
        service.stop()


@pytest.fixture(scope="module")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright_instance):
    b = launch(playwright_instance)
    yield b
    b.close()
