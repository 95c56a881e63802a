"""The health kiosk at the sizes it runs on (1080x1920 portrait, 1280x800 and 1920x1080 landscape): in every state
what the resident needs (the question, the buttons, the result, its next step, the way out) lies inside the
viewport without scrolling, no text overflows its box, and Korean words are kept whole."""

import shutil
import subprocess

import httpx
import pytest

from tests.screens.helpers import assert_accessible, keep_key, shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which("fc-list") or "CJK" not in subprocess.run(
        ["fc-list", ":lang=ko"], capture_output=True, text=True).stdout,
        reason="no Korean font (apt-get install fonts-noto-cjk): Korean text cannot be measured"),
]

FAST = "demo=1&rest_s=1&between_s=1&device_ms=150&retry_s=1"
SIZES = [(1080, 1920), (1280, 800), (1920, 1080)]

# checks each element of the selector list that is rendered: inside the viewport, and its text not wider or
# taller than its own box
FIT_JS = """(selectors) => {
  const vw = window.innerWidth, vh = window.innerHeight, bad = [];
  for (const sel of selectors) {
    const nodes = [...document.querySelectorAll(sel)].filter((n) => n.offsetParent !== null);
    if (!nodes.length) { bad.push(sel + ': not shown'); continue; }
    for (const n of nodes) {
      const r = n.getBoundingClientRect();
      if (r.top < -0.5 || r.left < -0.5 || r.bottom > vh + 0.5 || r.right > vw + 0.5)
        bad.push(`${sel}: box ${Math.round(r.left)},${Math.round(r.top)}-${Math.round(r.right)},${Math.round(r.bottom)} outside ${vw}x${vh}`);
      if (n.scrollWidth > n.clientWidth + 1 || n.scrollHeight > n.clientHeight + 1)
        bad.push(`${sel}: text overflows its box (${n.scrollWidth}x${n.scrollHeight} in ${n.clientWidth}x${n.clientHeight})`);
    }
  }
  if (document.scrollingElement.scrollHeight > vh + 1) bad.push('the page scrolls: ' + document.scrollingElement.scrollHeight);
  return bad;
}"""


@pytest.fixture(scope="module")
def health(start_service):
    svc = start_service("health_hubs")
    _, svc.kiosk_key = svc.device("health_kiosk", "C001")
    staff = svc.headers("centre_staff", centre_id="C001")
    svc.residents = []
    for i in range(8):
        r = httpx.post(f"{svc.url}/v1/residents", headers=staff, json={
            "family_name": "최", "given_name": f"순자{i}", "birth_date": f"1944-05-0{i + 1}", "sex": "female",
            "centre_id": "C001", "confirm_new": True, "consents": {"health_data": True}})
        assert r.status_code == 201, r.text
        svc.residents.append(r.json())
    return svc


def assert_fits(page, label: str, *selectors: str) -> None:
    bad = page.evaluate(FIT_JS, list(selectors))
    assert not bad, f"{label}: {bad}"


def viewport_shot(page, name: str) -> None:
    shot(page, name)  # full page: equal to the viewport when nothing scrolls


@pytest.mark.parametrize("width,height", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_state_fits_the_screen(health, browser, width, height):
    size = f"{width}x{height}"
    context = browser.new_context(viewport={"width": width, "height": height}, locale="ko-KR")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    resident = health.residents[SIZES.index((width, height))]
    keep_key(page, "aicity.healthKiosk.key", health.kiosk_key)
    page.goto(f"{health.url}/screens/health-kiosk?{FAST}")
    page.wait_for_selector("[data-screen=identify]:not([hidden])")
    assert_fits(page, f"identify {size}", "[data-screen=identify] h1", "#token", "#identify-button",
                ".kiosk-footer .hint")
    viewport_shot(page, f"fit-{size}-01-identify")

    page.fill("#token", resident["token"])
    page.click("#identify-button")
    page.wait_for_selector("[data-screen=confirm]:not([hidden])")
    assert_fits(page, f"confirm {size}", "[data-screen=confirm] h1", "#confirm-yes", "#confirm-no")
    page.click("#confirm-yes")
    page.wait_for_selector("[data-screen=choose]:not([hidden])")
    assert_fits(page, f"choose {size}", "#choose-bp", "#choose-glucose", "#choose-both", "#start-over")
    viewport_shot(page, f"fit-{size}-02-choose")

    page.evaluate("""KioskApp.devices.simCuff.script([
        {systolic_mmhg: 196, diastolic_mmhg: 124}, {systolic_mmhg: 192, diastolic_mmhg: 122}])""")
    page.evaluate("KioskApp.devices.simMeter.script([{glucose_mg_dl: 251}])")
    page.click("#choose-both")
    page.wait_for_selector("[data-screen=rest]:not([hidden])")
    assert_fits(page, f"rest {size}", "[data-screen=rest] h1", "#rest-timer")
    page.wait_for_selector("[data-screen=bp]:not([hidden])", timeout=15000)
    assert_fits(page, f"bp {size}", "[data-screen=bp] h1", "[data-screen=bp] li", "#bp-start")
    viewport_shot(page, f"fit-{size}-03-bp")
    page.click("#bp-start")
    page.wait_for_selector("[data-screen=between]:not([hidden])")
    assert_fits(page, f"between {size}", "[data-screen=between] h1", "#between-timer", "#between-readings")
    page.wait_for_selector("[data-screen=bp]:not([hidden])", timeout=15000)
    page.click("#bp-start")
    page.wait_for_selector("[data-screen=meal]:not([hidden])")
    assert_fits(page, f"meal {size}", "[data-screen=meal] h1", "[data-meal]")
    viewport_shot(page, f"fit-{size}-04-meal")
    page.click("[data-meal=fasting]")
    page.wait_for_selector("[data-screen=glucose]:not([hidden])")
    assert_fits(page, f"glucose {size}", "[data-screen=glucose] h1", "[data-screen=glucose] li", "#glucose-start")
    page.click("#glucose-start")

    # the hardest screen: a crisis and a high glucose, the 119 line, the note and the way out
    page.wait_for_selector("[data-screen=result]:not([hidden])")
    assert page.locator(".result-item").count() == 2
    viewport_shot(page, f"fit-{size}-05-crisis-result")
    assert_fits(page, f"result {size}", "#result-urgent .urgent", ".result-item", ".result-item .next-step",
                "[data-screen=result] [data-t=not_diagnosis]", "#result-done", "#result-repeat")
    assert_accessible(page, f"result {size}")
    # Korean words are kept whole wherever a line wraps
    assert page.evaluate("getComputedStyle(document.body).wordBreak") == "keep-all"
    context.close()
    assert not errors, errors
