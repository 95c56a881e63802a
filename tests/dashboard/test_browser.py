"""A real browser (Debian's Chromium, driven by Playwright) signs in to the dashboard of a running suite, opens
every page, finds no error on it, and saves a screenshot of each (var/screenshots/ or AICITY_SCREENSHOTS_DIR, and a tmp dir)."""

import os
import shutil
from pathlib import Path

import pytest

from tests.dashboard.live_suite import (
    PAGES,
    ROOT,
    open_page,
    page_errors,
    screenshot_whole_page,
    sign_in,
    start_dashboard,
    start_simulator,
    stop,
    wait_for_render,
)
from tests.screens.helpers import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.slow]
# var/screenshots by default (ignored by git); AICITY_SCREENSHOTS_DIR=docs/screenshots refreshes the committed ones
SCREENSHOTS = Path(os.environ.get("AICITY_SCREENSHOTS_DIR") or ROOT / "var" / "screenshots") / "dashboard"


@pytest.fixture(scope="module")
def living_city(running_suite, tmp_path_factory):
    """The dashboard and the simulator, as `aicity up` starts them, on the running suite."""
    log_dir = tmp_path_factory.mktemp("dashboard-logs")
    url, dashboard = start_dashboard(running_suite, log_dir=log_dir)
    simulator = start_simulator(running_suite, log_dir=log_dir)
    yield url
    stop({"dashboard": dashboard, "simulate": simulator})


LAPTOP = {"width": 1366, "height": 768}


def test_an_official_signs_in_and_every_page_renders_without_error(browser, living_city, tmp_path):
    context = browser.new_context(viewport=LAPTOP, locale="ko-KR")
    page = context.new_page()
    console_errors: list[str] = []
    page.on("pageerror", lambda exc: console_errors.append(str(exc)))
    sign_in(page, living_city)
    # officials get no developer menu: no Deploy button, no rerun/settings menu (client.toolbarMode = "viewer")
    assert page.locator("[data-testid='stAppDeployButton']").count() == 0
    assert page.get_by_role("button", name="Deploy").count() == 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, link, heading in PAGES:
        open_page(page, link, heading)
        assert page_errors(page) == [], f"{name}: {page_errors(page)}"
        assert_accessible(page, name)
        # at an office laptop's 1366x768: the title on the first screen, and on the overview the first item that
        # needs attention too (the figures follow the attention list there, below the first screen); the first
        # figure whole in the viewport once scrolled to; nothing wider than the screen
        in_view(page, page.locator("[data-testid='stMain'] h1, [data-testid='stMain'] h2").filter(
            has_text=heading).first, f"{name} title at 1366x768")
        if name == "overview":
            in_view(page, page.locator("[data-testid='stMain'] [data-testid='stAlert']").first,
                    "overview first attention item at 1366x768")
        metric = page.locator("[data-testid='stMetric']").first
        if metric.count():
            metric.scroll_into_view_if_needed()
            in_view(page, metric, f"{name} first figure at 1366x768")
            page.locator("[data-testid='stMain']").evaluate("m => m.scrollTo(0, 0)")
        assert page.evaluate(FIT_JS) == [], f"{name} at 1366x768"
        shot = tmp_path / f"{name}.png"
        screenshot_whole_page(page, shot)
        shutil.copyfile(shot, SCREENSHOTS / shot.name)
    # the language switch: the same page in English
    page.get_by_text("English").click()
    page.locator("[data-testid='stMain'] h2").filter(has_text="Industry and air quality").first.wait_for()
    assert page_errors(page) == []
    assert console_errors == []
    context.close()


PHONE = {"width": 390, "height": 844}
# On a phone: nothing wider than the screen, the page title whole and on screen, and its first figures readable.
FIT_JS = """() => {
  const vw = window.innerWidth, out = [];
  const main = document.querySelector("[data-testid='stMain']");
  if (main.scrollWidth > main.clientWidth + 1) out.push(`main scrolls sideways: ${main.scrollWidth} > ${main.clientWidth}`);
  const heads = [...main.querySelectorAll('h1, h2, h3')];
  const boxes = [...main.querySelectorAll(
      "h1, h2, h3, [data-testid='stMetricLabel'], [data-testid='stMetricValue'], [data-testid='stCaptionContainer']")];
  for (const el of boxes) {
    const r = el.getBoundingClientRect();
    if (r.width === 0) continue;
    if (r.left < -1 || r.right > vw + 1) out.push(`${el.dataset.testid || el.tagName} '${el.innerText.slice(0, 30)}' at ${r.left}-${r.right}`);
    if (el.scrollWidth > el.clientWidth + 1) out.push(`text overflows '${el.innerText.slice(0, 30)}': ${el.scrollWidth} > ${el.clientWidth}`);
  }
  // a Korean word broken across two lines has two line boxes
  for (const el of heads) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const re = /\\S+/g; let m;
      while ((m = re.exec(node.data))) {
        const range = document.createRange(); range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (tops.size > 1) out.push(`word broken across lines: '${m[0]}'`);
      }
    }
  }
  return out;
}"""


def in_view(page, locator, label: str) -> dict:
    box = locator.bounding_box()
    assert box is not None, f"{label}: not shown"
    size = page.viewport_size
    assert box["x"] >= -1 and box["x"] + box["width"] <= size["width"] + 1, f"{label}: {box} wider than {size}"
    assert 0 <= box["y"] and box["y"] + box["height"] <= size["height"], f"{label}: {box} not on the first screen"
    return box


def test_an_official_on_a_phone_keeps_the_session_across_reloads_and_direct_links(browser, living_city):
    """390x844 (a phone): every page opened by its direct link, in the signed-in session (the cookie, after a
    reload and in a new tab), with its title whole and on the first screen, its first figure there too, nothing
    wider than the screen, axe-clean; a screenshot of each."""
    context = browser.new_context(viewport=PHONE, locale="ko-KR", is_mobile=True, has_touch=True,
                                  device_scale_factor=2)
    page = context.new_page()
    console_errors: list[str] = []
    page.on("pageerror", lambda exc: console_errors.append(str(exc)))
    page.goto(living_city + "/")
    page.wait_for_selector("input[type='password']", timeout=60_000)
    page.locator("input[type='text']").first.fill("official")
    page.locator("input[type='password']").fill("official-demo-pass")
    page.get_by_role("button", name="로그인").click()
    # the sign-in page has the same title: wait for what only a signed-in official sees
    page.wait_for_selector("input[type='password']", state="detached", timeout=60_000)
    page.locator("[data-testid='stMetric']").first.wait_for(timeout=60_000)
    wait_for_render(page)
    page.wait_for_function("document.cookie.includes('aicity_session=')", timeout=15_000)
    page.reload()
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
    signed_out = page.locator("input[type='password']")
    page.locator("[data-testid='stMetric'], input[type='password']").first.wait_for(timeout=60_000)
    assert signed_out.count() == 0, "a reload signed the official out"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    urls = {"overview": "/", "boarding": "/boarding", "crossings": "/crossings", "health": "/health",
            "academy": "/academy", "industry": "/industry"}
    for name, _, heading in PAGES:
        page.goto(living_city + urls[name])
        title = page.locator("[data-testid='stMain'] h1, [data-testid='stMain'] h2").filter(has_text=heading).first
        title.wait_for(timeout=60_000)
        wait_for_render(page)
        assert page.locator("input[type='password']").count() == 0, f"{name}: the direct link signed the official out"
        assert page_errors(page) == [], f"{name}: {page_errors(page)}"
        in_view(page, title, f"{name} title")
        metric = page.locator("[data-testid='stMetric']").first
        if metric.count():
            metric.scroll_into_view_if_needed()
            in_view(page, metric, f"{name} first figure")
            page.locator("[data-testid='stMain']").evaluate("m => m.scrollTo(0, 0)")
        assert page.evaluate(FIT_JS) == [], name
        assert_accessible(page, f"{name} 390x844")
        page.screenshot(path=str(SCREENSHOTS / f"{name}-390x844.png"))
    # a direct link in a new tab (a new Streamlit session): the cookie signs the official in
    tab = context.new_page()
    tab.goto(living_city + "/health")
    tab.locator("[data-testid='stMain'] h2").filter(has_text="경로당 건강").first.wait_for(timeout=60_000)
    assert tab.locator("input[type='password']").count() == 0
    assert console_errors == []
    context.close()
