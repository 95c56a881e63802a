"""A near miss reported from a 390x844 phone (Debian's Chromium, driven by Playwright) on the industry service's
Korean page reaches the officials' dashboard, whose industry page shows the safety section first."""

import time
import uuid

import pytest

from tests.dashboard.conftest import browser  # noqa: F401 - Chromium (the seeded suite is in tests/conftest.py)
from tests.dashboard.live_suite import (
    open_page,
    page_errors,
    sign_in,
    start_dashboard,
    stop,
)
from tests.screens.helpers import SCREENSHOTS, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PHONE = {"width": 390, "height": 844}


def inside_viewport(locator, viewport=PHONE) -> bool:
    box = locator.bounding_box()
    return (box is not None and box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= viewport["width"]
            and box["y"] + box["height"] <= viewport["height"])


def test_near_miss_from_a_phone_reaches_the_dashboard(browser, running_suite, tmp_path):  # noqa: F811 - browser
    place = f"집진기 서측 계단 {uuid.uuid4().hex[:6]}"
    phone = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                locale="ko-KR")
    page = phone.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    started = time.perf_counter()
    page.goto(running_suite.urls["industry"] + "/screens/near-miss?site=pohang-steelworks")
    page.locator("#site option[value='pohang-steelworks']").wait_for(state="attached")
    assert page.locator("#site").input_value() == "pohang-steelworks"
    for element in [page.get_by_role("heading", name="아차사고 알리기"), page.locator("#site"),
                    page.get_by_role("button", name="가스·산소 결핍"), page.get_by_role("button", name="기타"),
                    page.locator("#place"), page.locator("#desc"), page.get_by_role("button", name="보내기")]:
        assert inside_viewport(element), f"outside the 390x844 screen: {element}"
    assert_accessible(page, "near-miss form")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "near-miss-form.png"))

    # sending without a kind says so in Korean, and sends nothing
    page.get_by_role("button", name="보내기").tap()
    assert page.get_by_role("alert").inner_text() == "어떤 일이었는지 하나 골라 주세요."
    page.get_by_role("button", name="가스·산소 결핍").tap()
    assert page.get_by_role("button", name="가스·산소 결핍").get_attribute("aria-pressed") == "true"
    page.locator("#place").fill(place)
    page.locator("#desc").fill("계단 아래에서 가스 냄새가 났어요")
    page.get_by_role("button", name="보내기").tap()
    done = page.get_by_role("heading", name="고마워요. 잘 받았어요.")
    done.wait_for()
    seconds = time.perf_counter() - started
    receipt = page.locator("#done-text").inner_text()
    assert receipt.startswith("접수 번호 ") and inside_viewport(done) and inside_viewport(page.locator("#done-text"))
    assert_accessible(page, "near-miss sent")
    page.screenshot(path=str(SCREENSHOTS / "near-miss-sent.png"))
    assert errors == []
    phone.close()
    print(f"near miss reported from the phone page in {seconds:.1f} s (scripted taps)")
    assert seconds < 60, f"the near-miss report took {seconds:.1f} s (the issue asks for under a minute)"

    # the officials' dashboard: the industry page starts with the safety section and lists the report
    url, dashboard = start_dashboard(running_suite, log_dir=tmp_path)
    try:
        desk = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="ko-KR")
        page = desk.new_page()
        sign_in(page, url)
        open_page(page, "산업·대기질", "산업·대기질")
        main = page.locator("[data-testid='stMain']")
        main.get_by_text(place).first.wait_for(timeout=60_000)
        assert page_errors(page) == []
        alarms_y = main.get_by_text("안전 경보 (열린 것 먼저)").first.bounding_box()["y"]
        map_y = main.locator("h3").filter(has_text="지도").first.bounding_box()["y"]
        assert alarms_y < map_y
        for text in ("지금 열린 작업허가", "회사별 재해 지표", "최근 아차사고 신고"):
            assert main.get_by_text(text).first.is_visible()
        # the demo shift's quiet detector is an open safety alarm, and the confined-space permit is listed
        assert main.get_by_text("열린 안전 경보").first.is_visible()
        assert main.get_by_text("2고로 집진기 (밀폐공간)").first.is_visible()
        page.screenshot(path=str(SCREENSHOTS / "dashboard-industry-safety.png"))
        desk.close()
    finally:
        stop({"dashboard": dashboard})
