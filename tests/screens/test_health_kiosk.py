"""The community-centre health kiosk in Chromium against a running health_hubs service: card to result, the
third reading, a crisis, a network cut with the outbox sent later (idempotently), English, accessibility."""

import json
import struct
import time
import uuid

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from services.health_hubs.care.models import Alert
from services.health_hubs.readings.models import Reading
from tests.screens.helpers import assert_accessible, keep_key, shot

pytestmark = pytest.mark.browser

FAST = "demo=1&rest_s=1&between_s=1&device_ms=150&retry_s=1"


@pytest.fixture(scope="module")
def health(start_service):
    svc = start_service("health_hubs")
    _, svc.kiosk_key = svc.device("health_kiosk", "C001")
    staff = svc.headers("centre_staff", centre_id="C001")
    svc.residents = {}
    for label, (family, given) in {"kim": ("김", "영순"), "park": ("박", "철수"), "lee": ("이", "말순")}.items():
        r = httpx.post(f"{svc.url}/v1/residents", headers=staff, json={
            "family_name": family, "given_name": given, "birth_date": "1950-03-0" + str(len(svc.residents) + 1),
            "sex": "female", "centre_id": "C001", "confirm_new": True,
            "consents": {"health_data": True, "share_public_health": True}})
        assert r.status_code == 201, r.text
        svc.residents[label] = r.json()
    return svc


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    assert not errors, errors


def open_kiosk(page, health, extra=""):
    keep_key(page, "aicity.healthKiosk.key", health.kiosk_key)
    page.goto(f"{health.url}/screens/health-kiosk?{FAST}{extra}")
    page.wait_for_selector("[data-screen=identify]:not([hidden])")


def identify(page, resident):
    page.fill("#token", resident["token"])
    page.click("#identify-button")
    page.wait_for_selector("[data-screen=confirm]:not([hidden])")
    page.click("#confirm-yes")
    page.wait_for_selector("[data-screen=choose]:not([hidden])")


def take_bp(page):
    page.wait_for_selector("[data-screen=bp]:not([hidden])", timeout=15000)
    page.click("#bp-start")


def readings_of(health, resident_id) -> list[Reading]:
    with Session(health.engine) as session:
        return list(session.exec(select(Reading).where(Reading.resident_id == uuid.UUID(resident_id))).scalars())


def test_card_to_result_with_a_third_reading_and_a_retaken_one(health, page):
    open_kiosk(page, health)
    # the kiosk signs with the key kept in its localStorage, never one in its address
    assert "key=" not in page.url
    assert page.evaluate("localStorage.getItem('aicity.healthKiosk.key')") == health.kiosk_key
    assert_accessible(page, "identify")
    shot(page, "health-01-identify")

    page.fill("#token", "not-a-card")
    page.click("#identify-button")
    page.wait_for_selector("#identify-error:not([hidden])")
    assert "등록되지 않은 카드" in page.inner_text("#identify-error")
    shot(page, "health-02-unknown-card")

    kim = health.residents["kim"]
    page.fill("#token", kim["token"])
    page.click("#identify-button")
    page.wait_for_selector("[data-screen=confirm]:not([hidden])")
    greeting = page.inner_text("#resident-name")
    assert greeting.startswith("김") and "영순" not in greeting  # initials only on a shared screen
    assert_accessible(page, "confirm")
    shot(page, "health-03-confirm")
    page.click("#confirm-yes")
    page.wait_for_selector("[data-screen=choose]:not([hidden])")
    assert_accessible(page, "choose")
    shot(page, "health-04-choose")

    # the cuff: a moved first try (taken again), then two readings 16 mmHg apart -> a third
    page.evaluate("""KioskApp.devices.simCuff.script([
        {systolic_mmhg: 150, diastolic_mmhg: 95, body_movement: true},
        {systolic_mmhg: 118, diastolic_mmhg: 76}, {systolic_mmhg: 134, diastolic_mmhg: 80},
        {systolic_mmhg: 121, diastolic_mmhg: 78}])""")
    page.evaluate("KioskApp.devices.simMeter.script([{glucose_mg_dl: 95}])")
    page.click("#choose-both")
    page.wait_for_selector("[data-screen=rest]:not([hidden])")
    assert_accessible(page, "rest")
    shot(page, "health-05-rest")

    take_bp(page)
    page.wait_for_selector("#bp-problem:not([hidden])")
    assert "움직임" in page.inner_text("#bp-problem")
    shot(page, "health-06-moved")
    page.click("#bp-start")  # the retake counts as reading 1
    page.wait_for_selector("[data-screen=between]:not([hidden])")
    assert "118 / 76" in page.inner_text("#between-readings")
    take_bp(page)
    page.wait_for_selector("[data-screen=between]:not([hidden])")
    assert "차이가 커서" in page.inner_text("#between-why")  # the third reading is asked for, and why
    assert_accessible(page, "between")
    shot(page, "health-07-third-reading")
    take_bp(page)

    page.wait_for_selector("[data-screen=meal]:not([hidden])")
    assert_accessible(page, "meal")
    page.click("[data-meal=fasting]")
    page.wait_for_selector("[data-screen=glucose]:not([hidden])")
    assert_accessible(page, "glucose")
    shot(page, "health-08-glucose")
    page.click("#glucose-start")

    page.wait_for_selector("[data-screen=result]:not([hidden])")
    items = page.locator(".result-item")
    assert items.count() == 2
    bp, glucose = items.nth(0), items.nth(1)
    assert bp.get_attribute("data-served") == "true"  # the service's classification, not the local copy
    assert bp.get_attribute("data-kind") == "bp" and glucose.get_attribute("data-category") == "normal"
    assert page.locator("#result-urgent .urgent").count() == 0
    assert "진단이 아니에요" in page.inner_text("[data-screen=result]")
    assert_accessible(page, "result")
    shot(page, "health-09-result")

    rows = sorted(readings_of(health, resident_id(kim)), key=lambda r: r.kind)
    assert [r.kind for r in rows] == ["bp", "glucose"]
    assert len(rows[0].raw) == 3  # the moved try was not sent; the three readings were
    assert rows[1].glucose_mg_dl == 95 and rows[1].meal_context == "fasting"
    assert page.evaluate("JSON.parse(localStorage.getItem('aicity.healthKiosk.outbox')).length") == 0


def resident_id(resident) -> str:
    return resident["resident"]["id"]


def test_crisis_reading_says_call_119_and_alerts_the_staff(health, page):
    open_kiosk(page, health)
    page.evaluate("""KioskApp.devices.simCuff.script([
        {systolic_mmhg: 194, diastolic_mmhg: 124}, {systolic_mmhg: 190, diastolic_mmhg: 122}])""")
    identify(page, health.residents["park"])
    page.click("#choose-bp")
    take_bp(page)
    take_bp(page)
    page.wait_for_selector("[data-screen=result]:not([hidden])")
    item = page.locator(".result-item").first
    assert item.get_attribute("data-category") == "crisis"
    assert item.get_attribute("data-next-step") == "call_119"
    assert "danger" in item.get_attribute("class")
    assert "119" in page.inner_text("#result-urgent")
    assert "119" in item.inner_text()
    assert_accessible(page, "crisis result")
    shot(page, "health-10-crisis")
    with Session(health.engine) as session:
        alerts = session.exec(select(Alert).where(Alert.resident_id == uuid.UUID(resident_id(
            health.residents["park"])))).scalars().all()
    assert [a.kind for a in alerts] == ["bp_crisis"]


def test_network_cut_keeps_readings_and_sends_them_once_when_back(health, page):
    lee = health.residents["lee"]
    open_kiosk(page, health)
    page.evaluate("""KioskApp.devices.simCuff.script([
        {systolic_mmhg: 186, diastolic_mmhg: 100}, {systolic_mmhg: 184, diastolic_mmhg: 98}])""")
    identify(page, lee)
    page.click("#choose-bp")
    page.context.set_offline(True)
    take_bp(page)
    take_bp(page)
    page.wait_for_selector("[data-screen=result]:not([hidden])")
    # offline: the kiosk's own rules still say what to do, a crisis included, and the reading waits
    item = page.locator(".result-item").first
    assert item.get_attribute("data-served") == "false"
    assert item.get_attribute("data-next-step") == "call_119"
    assert page.is_visible("#result-offline")
    outbox = page.evaluate("JSON.parse(localStorage.getItem('aicity.healthKiosk.outbox'))")
    assert len(outbox) == 1
    client_id = outbox[0]["body"]["client_id"]
    assert page.get_attribute("#net-status", "data-queued") == "1"
    assert "끊겼어요" in page.inner_text("#net-status")
    assert_accessible(page, "offline result")
    shot(page, "health-11-offline")
    assert readings_of(health, resident_id(lee)) == []

    # the next resident may start; the outbox stays in localStorage until the service has it
    page.click("#result-done")
    page.context.set_offline(False)
    deadline = time.monotonic() + 15
    while page.evaluate("JSON.parse(localStorage.getItem('aicity.healthKiosk.outbox') || '[]').length"):
        assert time.monotonic() < deadline, "the outbox was not sent after the network came back"
        time.sleep(0.2)
    rows = readings_of(health, resident_id(lee))
    assert [str(r.id) for r in rows] == [client_id]
    assert rows[0].category == "crisis"

    # the same record sent again (a retry after a lost answer) records nothing new
    page.evaluate(f"""localStorage.setItem('aicity.healthKiosk.outbox', JSON.stringify({json.dumps(outbox)}));
                     KioskApp.flush()""")
    deadline = time.monotonic() + 10
    while page.evaluate("JSON.parse(localStorage.getItem('aicity.healthKiosk.outbox') || '[]').length"):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    with Session(health.engine) as session:
        assert session.scalar(select(func.count()).select_from(Reading).where(
            Reading.resident_id == uuid.UUID(resident_id(lee)))) == 1


def test_english_and_a_kiosk_not_set_up(health, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{health.url}/screens/health-kiosk?{FAST}")
    page.wait_for_selector("[data-screen=setup]:not([hidden])")
    assert_accessible(page, "setup")
    keep_key(page, "aicity.healthKiosk.key", health.kiosk_key)
    page.goto(f"{health.url}/screens/health-kiosk?{FAST}")
    page.wait_for_selector("[data-screen=identify]:not([hidden])")
    page.click("#lang-button")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.inner_text("[data-screen=identify] h1") == "Please tap your card"
    assert_accessible(page, "identify (English)")
    shot(page, "health-12-english")
    # touch targets: every button at least 48 px each way
    small = page.evaluate("""[...document.querySelectorAll('button')].filter(b => b.offsetParent)
        .map(b => b.getBoundingClientRect()).filter(r => r.width < 48 || r.height < 48).length""")
    assert small == 0
    context.close()


def _sfloat(mantissa: int, exponent: int) -> int:
    return ((exponent & 0xF) << 12) | (mantissa & 0x0FFF)


def test_bluetooth_records_are_parsed_as_the_gatt_specifications_lay_them_out(health, page):
    open_kiosk(page, health)
    # Blood Pressure Measurement 0x2A35: flags = timestamp | pulse | user id | status; mmHg
    bp = struct.pack("<BHHHHBBBBBHBH", 0x1E, _sfloat(142, 0), _sfloat(91, 0), _sfloat(108, 0),
                     2025, 7, 1, 9, 30, 0, _sfloat(72, 0), 1, 0x0005)
    parsed = page.evaluate("b => KioskDevices.parseBloodPressure(new DataView(new Uint8Array(b).buffer))", list(bp))
    assert (parsed["systolic_mmhg"], parsed["diastolic_mmhg"], parsed["map_mmhg"], parsed["pulse_bpm"]) == (
        142, 91, 108, 72)
    assert parsed["body_movement"] and parsed["irregular_pulse"] and not parsed["cuff_loose"]
    # kPa: 16.0 kPa = 120 mmHg
    kpa = struct.pack("<BHHH", 0x01, _sfloat(160, -1), _sfloat(107, -1), _sfloat(125, -1))
    parsed = page.evaluate("b => KioskDevices.parseBloodPressure(new DataView(new Uint8Array(b).buffer))", list(kpa))
    assert parsed["systolic_mmhg"] == 120 and parsed["diastolic_mmhg"] == 80
    # Glucose Measurement 0x2A18: 95 mg/dL = 0.00095 kg/L, capillary whole blood; then control solution
    for type_location, expected in ((0x11, "capillary_whole_blood"), (0x1A, "control_solution")):
        g = struct.pack("<BHHBBBBBHB", 0x02, 7, 2025, 7, 1, 9, 30, 0, _sfloat(95, -5), type_location)
        parsed = page.evaluate("b => KioskDevices.parseGlucose(new DataView(new Uint8Array(b).buffer))", list(g))
        assert parsed["glucose_mg_dl"] == 95 and parsed["sequence_number"] == 7
        assert parsed["sample_type"] == expected


def test_a_kiosk_is_paired_with_a_one_time_code_and_no_key_in_its_address(health, browser):
    """Staff type the code from `aicity device pair` at the set-up screen: the kiosk keeps the key it got for it,
    signs its calls with it, and the address never held a key; the same code typed again is refused."""
    from services.common.db import utcnow
    from services.identity.devices.service import create_device, create_pairing_code

    with Session(health.identity_engine) as session:
        device, _ = create_device(session, name="paired kiosk", kind="health_kiosk", place="C001")
        device_id = device.id
        code = create_pairing_code(session, device_id=device_id, now=utcnow())
        session.commit()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    urls = []
    page.on("request", lambda req: urls.append(req.url))
    page.goto(f"{health.url}/screens/health-kiosk?{FAST}")
    page.wait_for_selector("[data-screen=setup]:not([hidden])")
    page.fill("#setup-key", code)
    page.press("#setup-key", "Enter")
    page.wait_for_selector("[data-screen=identify]:not([hidden])")
    stored = page.evaluate("localStorage.getItem('aicity.healthKiosk.key')")
    assert stored.startswith("aicd_") and "key=" not in page.url
    me = httpx.get(f"{health.url}/v1/auth/me", headers={"Authorization": f"Bearer {stored}"})
    assert me.json()["id"] == device_id
    assert not any("key=" in u or stored in u for u in urls)
    # a second kiosk typing the same code gets nothing
    other = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    other.goto(f"{health.url}/screens/health-kiosk?{FAST}")
    other.wait_for_selector("[data-screen=setup]:not([hidden])")
    other.fill("#setup-key", code)
    other.press("#setup-key", "Enter")
    other.wait_for_selector("#setup-key[aria-invalid=true]")
    assert other.evaluate("localStorage.getItem('aicity.healthKiosk.key')") is None
    context.close()


def test_a_kiosk_opened_with_a_pairing_code_in_its_fragment_starts_and_no_request_carries_a_key(health, browser):
    """The address `aicity up` prints: `…/screens/health-kiosk#pair=XXXX-XXXX`. The fragment never reaches a server;
    the kiosk takes it out of the address bar at once, exchanges the code in a POST body for its key, keeps the key
    and signs with it in a header. No request URL holds the key or the code; the address keeps neither."""
    from services.common.db import utcnow
    from services.identity.devices.service import create_device, create_pairing_code

    with Session(health.identity_engine) as session:
        device, _ = create_device(session, name="screen-kiosk", kind="health_kiosk", place="C001")
        device_id = device.id
        code = create_pairing_code(session, device_id=device_id, now=utcnow())
        session.commit()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
    page = context.new_page()
    requests = []
    page.on("request", lambda req: requests.append(req))
    page.goto(f"{health.url}/screens/health-kiosk?{FAST}#pair={code}")
    page.wait_for_selector("[data-screen=identify]:not([hidden])")
    stored = page.evaluate("localStorage.getItem('aicity.healthKiosk.key')")
    assert stored.startswith("aicd_")
    assert httpx.get(f"{health.url}/v1/auth/me", headers={"Authorization": f"Bearer {stored}"}).json()["id"] == device_id
    assert page.evaluate("location.hash") == "" and "pair" not in page.url and FAST in page.url
    pair = [r for r in requests if r.url.endswith("/v1/auth/pair")]
    assert len(pair) == 1 and pair[0].method == "POST" and code in (pair[0].post_data or "")
    for r in requests:
        assert stored not in r.url and code not in r.url and "key=" not in r.url and "pair=" not in r.url, r.url
    # the kiosk works with the key it keeps: a card is identified with the key in the Authorization header
    page.fill("#token", health.residents["kim"]["token"])
    with page.expect_request(lambda r: r.url.endswith("/v1/kiosk/identify")) as identify:
        page.click("#identify-button")
    assert identify.value.headers["authorization"] == f"Bearer {stored}"
    page.wait_for_selector("[data-screen=confirm]:not([hidden])")
    page.reload()
    page.wait_for_selector("[data-screen=identify]:not([hidden])")  # no code needed again
    assert page.evaluate("location.hash") == ""
    page.go_back()  # the address with the code was replaced, not pushed: it is not in the history
    assert "pair=" not in page.url
    context.close()


def test_a_key_in_the_address_is_ignored_and_the_kiosk_asks_to_be_paired(health, browser):
    """`?key=aicd_…` (the old way) is not taken: the kiosk shows its set-up form, keeps nothing, and the key is
    removed from the address bar."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
    page = context.new_page()
    page.goto(f"{health.url}/screens/health-kiosk?key={health.kiosk_key}&{FAST}")
    page.wait_for_selector("[data-screen=setup]:not([hidden])")
    assert page.evaluate("localStorage.getItem('aicity.healthKiosk.key')") is None
    assert "key=" not in page.url and FAST in page.url
    context.close()
