"""A real browser (Debian's Chromium, driven by Playwright) signs in to the dashboard of a running suite, opens
every page, finds no error on it, and saves a screenshot of each (var/screenshots/ or AICITY_SCREENSHOTS_DIR, and a tmp dir)."""

import os
import shutil
from pathlib import Path

import pytest

from tests.dashboard.live_suite import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PAGES,
    ROOT,
    open_page,
    page_errors,
    screenshot_whole_page,
    sign_in,
    start_dashboard,
    start_simulator,
    stop,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def assert_accessible(page, label: str) -> None:
    """axe-core on the rendered page: no serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page)
    bad = [v for v in result.response["violations"] if v.get("impact") in ("serious", "critical")]
    detail = "; ".join(f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:4]} "
                       f"{[n.get('failureSummary', '')[:160] for n in v['nodes']][:2]}" for v in bad)
    assert not bad, f"{label}: {detail}"
# var/screenshots by default (ignored by git); AICITY_SCREENSHOTS_DIR=docs/screenshots refreshes the committed ones
SCREENSHOTS = Path(os.environ.get("AICITY_SCREENSHOTS_DIR") or ROOT / "var" / "screenshots") / "dashboard"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: `apt-get install chromium` (Debian) to run browser tests")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def living_city(running_suite, tmp_path_factory):
    """The dashboard and the simulator, as `aicity up` starts them, on the running suite."""
    log_dir = tmp_path_factory.mktemp("dashboard-logs")
    url, dashboard = start_dashboard(running_suite, log_dir=log_dir)
    simulator = start_simulator(running_suite, log_dir=log_dir)
    yield url
    stop({"dashboard": dashboard, "simulate": simulator})


def test_an_official_signs_in_and_every_page_renders_without_error(browser, living_city, tmp_path):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="ko-KR")
    page = context.new_page()
    console_errors: list[str] = []
    page.on("pageerror", lambda exc: console_errors.append(str(exc)))
    sign_in(page, living_city)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, link, heading in PAGES:
        open_page(page, link, heading)
        assert page_errors(page) == [], f"{name}: {page_errors(page)}"
        assert_accessible(page, name)
        shot = tmp_path / f"{name}.png"
        screenshot_whole_page(page, shot)
        shutil.copyfile(shot, SCREENSHOTS / shot.name)
    # the language switch: the same page in English
    page.get_by_text("English").click()
    page.locator("[data-testid='stMain'] h2").filter(has_text="Industry and air quality").first.wait_for()
    assert page_errors(page) == []
    assert console_errors == []
    context.close()
