"""The face-enrolment kiosk and the bus door display in Chromium against a running transit service, with
Chromium's fake camera playing a face photo from tests/fixtures/faces (a Y4M video written at test time)."""

import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.screens.camera import write_y4m
from tests.screens.helpers import assert_accessible, keep_key, launch, shot

pytestmark = pytest.mark.browser

FACES = Path(__file__).resolve().parents[1] / "fixtures" / "faces"
CAMERA_PHOTOS = {
    "obama": FACES / "people" / "obama" / "2.jpg",
    "group": FACES / "_group" / "two_people.jpg",
    "noface": FACES / "_noface" / "3.jpg",  # a cat: an animal face must not pass as a person
}
BUS = "BUS-7"


@pytest.fixture(scope="module")
def transit(start_service):
    svc = start_service("transit")
    _, svc.kiosk_key = svc.device("enrolment_kiosk", "KIOSK-1")
    _, svc.bus_key = svc.device("bus", BUS)
    svc.kiosk = {"Authorization": f"Bearer {svc.kiosk_key}"}
    return svc


@pytest.fixture(scope="module")
def cameras(playwright_instance, tmp_path_factory):
    """`cameras("obama")` -> a Chromium whose camera plays that photo (one browser per video file)."""
    folder = tmp_path_factory.mktemp("camera")
    browsers = {}

    def get(name: str):
        if name not in browsers:
            video = write_y4m(CAMERA_PHOTOS[name], folder / f"{name}.y4m")
            browsers[name] = launch(playwright_instance, camera=video)
        return browsers[name]

    yield get
    for b in browsers.values():
        b.close()


def new_page(browser, errors, size=(1280, 900)):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="ko-KR")
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page


def rider(transit, rider_id):
    r = httpx.get(f"{transit.url}/v1/riders/{rider_id}", headers=transit.kiosk)
    assert r.status_code == 200, r.text
    return r.json()


def enrol_by_api(transit, *, card_id, concession, photos, mobility=False, routes=()):
    r = httpx.post(f"{transit.url}/v1/riders", headers=transit.kiosk,
                   json={"mobility_needs": mobility, "regular_routes": list(routes)})
    assert r.status_code == 201, r.text
    rider_id = r.json()["id"]
    r = httpx.post(f"{transit.url}/v1/cards", headers=transit.kiosk,
                   json={"card_id": card_id, "rider_id": rider_id, "concession": concession})
    assert r.status_code == 201, r.text
    if photos:
        files = [("photos", (p.name, p.read_bytes(), "image/jpeg")) for p in photos]
        r = httpx.put(f"{transit.url}/v1/riders/{rider_id}/face", headers=transit.kiosk, files=files,
                      data={"consent_version": "test-1", "consent_card_check": "true",
                            "consent_identification": "true" if routes else "false"}, timeout=60)
        assert r.status_code == 200, r.text
    return rider_id


def wait_screen(page, name, timeout=20000):
    page.wait_for_selector(f"section[data-screen={name}]:not([hidden])", timeout=timeout)


def open_enrol(page, transit):
    keep_key(page, "aicity.enrolKiosk.key", transit.kiosk_key)
    page.goto(f"{transit.url}/screens/enrol")
    wait_screen(page, "welcome")


def to_camera(page, card_id, *, concession="senior", mobility=False, routes="", check=False):
    page.click("#start-face")
    wait_screen(page, "about")
    page.click("#about-next")
    wait_screen(page, "card")
    if check:
        assert_accessible(page, "enrol card")
    page.fill("#card-id", card_id)
    page.check(f"input[name=concession][value={concession}]")
    if mobility:
        page.check("#mobility")
    page.click("#card-next")
    wait_screen(page, "consent")
    assert page.is_disabled("#consent-yes")  # consent is asked for, separately, and never pre-ticked
    if check:
        assert_accessible(page, "enrol consent")
        shot(page, "enrol-02b-consent")
    page.check("#consent-check")
    if routes:  # card-less identification is a separate consent, asked on its own line
        page.check("#consent-ident")
        page.fill("#routes", routes)
    page.click("#consent-yes")
    wait_screen(page, "camera")
    page.wait_for_function("document.getElementById('video').videoWidth > 0", timeout=15000)


def test_enrolment_kiosk_from_the_camera_and_erasure(transit, cameras):
    errors: list[str] = []
    page = new_page(cameras("obama"), errors)
    open_enrol(page, transit)
    assert "key=" not in page.url
    assert page.is_visible("#card-only")  # the card-only path is on the screen from the start
    assert_accessible(page, "enrol welcome")
    shot(page, "enrol-01-welcome")
    page.click("#start-face")
    wait_screen(page, "about")
    assert "사진은 보관하지 않아요" in page.inner_text("[data-screen=about]")
    assert page.is_visible("#card-only")
    assert_accessible(page, "enrol about")
    shot(page, "enrol-02-what-is-kept")
    page.click("#start-over")
    wait_screen(page, "welcome")

    to_camera(page, "SENIOR-1001", mobility=True, routes="200, 201", check=True)
    assert page.is_visible("#card-only")
    page.click("#capture")
    page.wait_for_timeout(300)
    page.click("#capture")
    page.wait_for_selector("#thumbs img >> nth=1")
    assert page.is_enabled("#enrol")
    assert_accessible(page, "enrol camera")
    shot(page, "enrol-03-camera")
    page.click("#enrol")
    wait_screen(page, "done-face", timeout=60000)
    assert_accessible(page, "enrol done")
    shot(page, "enrol-04-enrolled")

    rider_id = page.evaluate("EnrolApp.state().rider_id")
    held = rider(transit, rider_id)
    assert held["face_enrolled"] and held["templates"] == 2
    assert held["mobility_needs"] and held["regular_routes"] == ["200", "201"]
    # the photos were dropped from the page once sent
    assert page.evaluate("EnrolApp.state().photos.length") == 0

    page.click("#erase-now")
    wait_screen(page, "erased")
    assert_accessible(page, "enrol erased")
    shot(page, "enrol-05-erased")
    assert rider(transit, rider_id)["face_enrolled"] is False
    assert not errors, errors


@pytest.mark.parametrize("camera,code,words", [
    ("group", "multiple_faces", "두 사람 이상"),
    ("noface", "no_face", "얼굴을 찾지 못했어요"),
])
def test_enrolment_kiosk_says_why_a_photo_is_refused(transit, cameras, camera, code, words):
    errors: list[str] = []
    page = new_page(cameras(camera), errors)
    open_enrol(page, transit)
    to_camera(page, f"CARD-{camera.upper()}-{uuid.uuid4().hex[:6]}")
    page.click("#capture")
    page.wait_for_selector("#thumbs img")
    page.click("#enrol")
    page.wait_for_selector("#camera-error:not([hidden])", timeout=60000)
    assert page.get_attribute("#camera-error", "data-code") == code
    assert words in page.inner_text("#camera-error")
    assert page.locator("#thumbs img").count() == 0  # photos dropped; take them again
    assert_accessible(page, f"refused {code}")
    shot(page, f"enrol-06-refused-{code}")
    # the card still works: it was linked when consent was given, and card-only finishes at once
    rider_id = page.evaluate("EnrolApp.state().rider_id")
    page.click("#card-only")
    wait_screen(page, "done-card")
    assert rider(transit, rider_id)["face_enrolled"] is False
    assert not errors, errors


def test_enrolment_kiosk_card_only_and_english(transit, cameras):
    errors: list[str] = []
    page = new_page(cameras("obama"), errors)
    open_enrol(page, transit)
    page.click("#lang-button")
    assert page.evaluate("document.documentElement.lang") == "en"
    page.click("#card-only")
    wait_screen(page, "card")
    page.fill("#card-id", "PLAIN-2001")
    page.check("input[name=concession][value=none]")
    page.click("#card-next")
    wait_screen(page, "done-card")
    assert "card only" in page.inner_text("[data-screen=done-card]")
    assert_accessible(page, "enrol card-only (English)")
    shot(page, "enrol-07-card-only-english")
    rider_id = page.evaluate("EnrolApp.state().rider_id")
    assert rider(transit, rider_id)["face_enrolled"] is False
    # the same card again is refused in plain words
    page.click("[data-screen=done-card] button.finish")
    wait_screen(page, "welcome")
    page.click("#card-only")
    page.fill("#card-id", "PLAIN-2001")
    page.click("#card-next")
    page.wait_for_selector("#card-error:not([hidden])")
    assert "already registered" in page.inner_text("#card-error")
    page.click("#start-over")
    wait_screen(page, "welcome")
    page.click("#start-erase")
    wait_screen(page, "erase")
    assert_accessible(page, "enrol erase (English)")
    # erasure by card: the kiosk looks the card up (GET /v1/cards/{card_id}); a card-only rider has no face kept
    page.fill("#erase-card", "PLAIN-2001")
    page.click("#erase-submit")
    page.wait_for_selector("#erase-error:not([hidden])")
    assert "No face data is kept for this card" in page.inner_text("#erase-error")
    shot(page, "enrol-08-erase-by-card-english")
    page.fill("#erase-card", "NO-SUCH-CARD-9")
    page.click("#erase-submit")
    page.wait_for_function("document.querySelector('#erase-error').innerText.includes('Nothing is registered')")
    assert not errors, errors


# ---- the bus door display --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def door_riders(transit):
    # enrolled from two photos, one of them the one the door camera plays (as when a rider enrols at a kiosk
    # whose camera is like the bus's): this test is about the screen showing each decision; how well faces
    # match across photos is the boarding service's own tests' business
    obama = [FACES / "people" / "obama" / n for n in ("1.jpg", "2.jpg")]
    return {
        "senior": enrol_by_api(transit, card_id="DOOR-SENIOR", concession="senior", photos=obama, mobility=True,
                               routes=["101"]),
        "student": enrol_by_api(transit, card_id="DOOR-STUDENT", concession="student",
                                photos=[FACES / "people" / "biden" / "2.jpg"]),
        "plain": enrol_by_api(transit, card_id="DOOR-PLAIN", concession="none", photos=[]),
    }


def open_door(page, transit, route="101", stop="Pohang%20Stn"):  # a real route and stop (routes.py)
    keep_key(page, "aicity.doorDisplay.key", transit.bus_key)
    page.goto(f"{transit.url}/screens/door?bus={BUS}&route={route}&stop={stop}&hold_s=60")
    wait_screen(page, "idle")
    page.wait_for_function("document.getElementById('video').videoWidth > 0", timeout=15000)


def board(page, card_id=None):
    if card_id:
        # the reader "types" the number and Enter, whatever is on the screen
        page.keyboard.type(card_id)
        page.keyboard.press("Enter")
    else:
        if page.is_visible("#decision"):
            page.click("#decision")  # a touch on the last decision goes back to the camera view
        wait_screen(page, "idle")
        page.click("#no-card")
    wait_screen(page, "decision", timeout=60000)
    return page.evaluate("DoorApp.last()")


def test_door_display_shows_each_decision(transit, cameras, door_riders):
    errors: list[str] = []
    page = new_page(cameras("obama"), errors)
    open_door(page, transit)
    assert_accessible(page, "door idle")
    shot(page, "door-01-idle")

    # verified: the senior card's holder is at the door; free, and the driver is cued to kneel the bus
    last = board(page, "DOOR-SENIOR")
    assert last["answer"]["decision"] == "verified", (last["answer"]["reason"], last["answer"])
    assert page.inner_text("#decision-title") == "어서 오세요"
    assert "무료" in page.inner_text("#decision-fare")
    assert page.is_visible("#driver-cue") and "차체를 낮춰" in page.inner_text("#driver-cue")
    assert_accessible(page, "door verified")
    shot(page, "door-02-verified-needs-assistance")

    # mismatch: a student card whose holder is someone else
    last = board(page, "DOOR-STUDENT")
    assert last["answer"]["decision"] == "mismatch", last
    assert page.inner_text("#decision-title") == "기사님께 카드를 보여 주세요"
    assert page.get_attribute("#decision", "class").endswith("show-card")
    assert not page.is_visible("#driver-cue")
    assert_accessible(page, "door mismatch")
    shot(page, "door-03-mismatch")

    # a card whose holder never enrolled: the card alone works, at its fare
    last = board(page, "DOOR-PLAIN")
    assert last["answer"]["decision"] == "unknown" and last["answer"]["fare_krw"] > 0, last
    assert page.inner_text("#decision-title") == "어서 오세요"
    assert "원" in page.inner_text("#decision-fare")
    shot(page, "door-04-card-only")

    # identified: no card, a regular of this route
    last = board(page)
    assert last["answer"]["decision"] == "identified", (last["answer"]["reason"], last["answer"]["margin"], last["answer"]["distance"])
    assert page.inner_text("#decision-title") == "어서 오세요"
    # recognised without a card: the senior fare only once the driver has seen the card
    assert "기사님이 카드를 보고 확인하면 어르신 요금" in page.inner_text("#decision-note")
    assert "1,200원" in page.inner_text("#decision-fare") and page.is_visible("#driver-confirm")
    assert_accessible(page, "door identified")
    shot(page, "door-05-identified")

    # English
    page.click("#lang-button")
    assert page.inner_text("#decision-title") == "Welcome"
    shot(page, "door-06-identified-english")
    page.click("#lang-button")

    # offline: the driver checks the card
    page.context.set_offline(True)
    board(page, "DOOR-SENIOR")
    assert page.get_attribute("#decision", "data-decision") == "offline"
    assert page.inner_text("#decision-title") == "기사님께 카드를 보여 주세요"
    shot(page, "door-07-offline")
    page.context.set_offline(False)
    assert not errors, errors


def test_door_display_unknown_and_no_face(transit, cameras, door_riders):
    errors: list[str] = []
    # on another route the same face is not in the candidate set: unknown, please tap your card
    page = new_page(cameras("obama"), errors)
    open_door(page, transit, route="200", stop="Yangdeok")
    last = board(page)
    assert last["answer"]["decision"] == "unknown", last
    assert page.inner_text("#decision-title") == "카드를 찍어 주세요"
    assert_accessible(page, "door unknown")
    shot(page, "door-08-unknown")

    page = new_page(cameras("noface"), errors)
    open_door(page, transit)
    last = board(page)
    assert last["answer"]["decision"] == "no_face", last
    assert page.inner_text("#decision-title") == "카드를 찍어 주세요"
    assert "얼굴이 보이지" in page.inner_text("#decision-note")
    assert_accessible(page, "door no face")
    shot(page, "door-09-no-face")
    # every decision was recorded by the service, never an image
    time.sleep(0.1)
    assert not errors, errors


# ---- the door display at the panels' real sizes ---------------------------------------------------------

DOOR_SIZES = [(800, 480), (1024, 600)]


def assert_fits(page, selectors, label):
    """Every element's box lies inside the viewport, and no text overflows its box."""
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    for sel in selectors:
        box = page.locator(sel).bounding_box()
        assert box is not None, f"{label}: {sel} is not shown"
        assert box["x"] >= 0 and box["y"] >= 0, f"{label}: {sel} starts off screen {box}"
        assert box["x"] + box["width"] <= width + 0.5 and box["y"] + box["height"] <= height + 0.5, (
            f"{label}: {sel} at {box} leaves the {width}x{height} screen")
        overflow = page.eval_on_selector(sel, "e => [e.scrollWidth - e.clientWidth, e.scrollHeight - e.clientHeight]")
        assert overflow[0] <= 1 and overflow[1] <= 1, f"{label}: text overflows {sel} by {overflow}"
    assert page.evaluate("getComputedStyle(document.body).wordBreak") == "keep-all"


@pytest.mark.parametrize("size", DOOR_SIZES, ids=[f"{w}x{h}" for w, h in DOOR_SIZES])
def test_door_display_fits_its_panel_and_the_driver_confirms(transit, cameras, door_riders, size):
    errors: list[str] = []
    page = new_page(cameras("obama"), errors, size=size)
    tag = f"{size[0]}x{size[1]}"
    open_door(page, transit)
    assert_fits(page, ["h1 >> visible=true", "#video", "#card-input", "#tap-button", "#no-card"], f"idle {tag}")
    shot(page, f"door-fit-{tag}-01-idle")

    last = board(page, "DOOR-SENIOR")  # verified, free, the driver kneels the bus
    assert last["answer"]["decision"] == "verified" and last["answer"]["concession_applied"] is True
    assert_fits(page, ["#decision-title", "#decision-fare", "#driver-cue"], f"verified {tag}")
    shot(page, f"door-fit-{tag}-02-verified")

    last = board(page, "DOOR-STUDENT")  # someone else's student card: the standard fare, the driver decides
    answer = last["answer"]
    assert answer["decision"] == "mismatch" and answer["concession_applied"] is False and answer["fare_krw"] == 1200
    assert "1,200원" in page.inner_text("#decision-fare")
    assert "학생 요금" in page.inner_text("#decision-note")
    assert_fits(page, ["#decision-title", "#decision-fare", "#decision-note", "#driver-confirm"], f"mismatch {tag}")
    assert_accessible(page, f"door mismatch {tag}")
    shot(page, f"door-fit-{tag}-03-awaiting-driver")

    page.click("#driver-confirm")
    page.wait_for_function("DoorApp.last().answer.concession_applied === true")
    assert page.inner_text("#decision-fare") == "학생 · 900원"
    assert "기사님이 확인했어요" in page.inner_text("#decision-note") and not page.is_visible("#driver-confirm")
    assert_fits(page, ["#decision-title", "#decision-fare", "#decision-note"], f"confirmed {tag}")
    shot(page, f"door-fit-{tag}-04-driver-confirmed")
    held = httpx.get(f"{transit.url}/v1/boardings?flagged=true", headers=transit.headers("official")).json()["items"]
    mine = [b for b in held if b["event_id"] == answer["event_id"]]
    assert mine and mine[0]["driver_confirmed_by"] and mine[0]["fare_krw"] == 900
    assert not errors, errors


# ---- the enrolment kiosk at the kiosks' real sizes -------------------------------------------------------

KIOSK_SIZES = [(1080, 1920), (1280, 800), (1920, 1080)]


def assert_no_scroll(page, label):
    height = page.viewport_size["height"]
    scrolled = page.evaluate("document.scrollingElement.scrollHeight")
    assert scrolled <= height + 1, f"{label}: the page scrolls ({scrolled} > {height})"


@pytest.mark.parametrize("size", KIOSK_SIZES, ids=[f"{w}x{h}" for w, h in KIOSK_SIZES])
def test_enrolment_kiosk_fits_each_kiosk_screen(transit, cameras, size):
    """Each step at 1080x1920 portrait, 1280x800 and 1920x1080 landscape: the question, the choices, the consent
    text and its buttons, the camera and the result lie inside the viewport, no text overflows, nothing scrolls."""
    errors: list[str] = []
    page = new_page(cameras("obama"), errors, size=size)
    tag = f"{size[0]}x{size[1]}"

    def fits(name, *selectors):
        wait_screen(page, name)
        footer = [b for b in ("#card-only", "#start-over") if page.is_visible(b)] + [".kiosk-footer .hint"]
        assert_fits(page, [f"section[data-screen={name}] h1", *selectors, *footer], f"enrol {name} {tag}")
        assert_no_scroll(page, f"enrol {name} {tag}")
        shot(page, f"enrol-fit-{tag}-{name}")

    open_enrol(page, transit)
    fits("welcome", "[data-screen=welcome] .lead", "#start-face", "#start-erase")
    page.click("#start-face")
    fits("about", "[data-screen=about] li >> nth=3", "#about-next")
    page.click("#about-next")
    fits("card", "#card-id", "label.choice >> nth=0", "label.choice >> nth=3", "label.check:has(#mobility)",
         "#card-next")
    page.fill("#card-id", f"FIT-{tag}-{uuid.uuid4().hex[:6]}")
    page.click("#card-next")
    fits("consent", "[data-screen=consent] .panel", "label.check:has(#consent-check)",
         "label.check:has(#consent-ident)", "#routes", "#birth-date", "#consent-yes", "#consent-no")
    assert_accessible(page, f"enrol consent {tag}")
    page.check("#consent-check")
    page.click("#consent-yes")
    wait_screen(page, "camera")
    page.wait_for_function("document.getElementById('video').videoWidth > 0", timeout=15000)
    page.click("#capture")
    page.wait_for_selector("#thumbs img")
    fits("camera", "#video", "#thumbs img", "#capture", "#retake", "#enrol")
    page.click("#enrol")
    wait_screen(page, "done-face", timeout=60000)
    fits("done-face", "[data-screen=done-face] .message", "[data-screen=done-face] .finish", "#erase-now")
    page.click("#erase-now")
    fits("erased", "[data-screen=erased] .message", "[data-screen=erased] .finish")
    page.click("[data-screen=erased] .finish")
    wait_screen(page, "welcome")
    page.click("#start-erase")
    page.fill("#erase-card", "NO-SUCH-CARD-9")
    page.click("#erase-submit")
    page.wait_for_selector("#erase-error:not([hidden])")
    fits("erase", "#erase-card", "#erase-birth", "#erase-error", "#erase-submit")
    assert not errors, errors


def test_the_door_display_is_paired_with_a_one_time_code(transit, cameras):
    """No key in the display's address: it is opened with the code from `aicity device pair` in the fragment
    (`#pair=…`, never sent to a server); the display takes it out of the address, keeps the key it got for it,
    reloads and starts. No request URL carries the key or the code."""
    from sqlmodel import Session

    from services.common.db import utcnow
    from services.identity.devices.service import create_device, create_pairing_code

    with Session(transit.identity_engine) as session:
        device, _ = create_device(session, name="door BUS-8", kind="bus", place="BUS-8")
        device_id = device.id
        code = create_pairing_code(session, device_id=device_id, now=utcnow())
        session.commit()
    page = cameras("obama").new_page()
    urls = []
    page.on("request", lambda req: urls.append(req.url))
    page.goto(f"{transit.url}/screens/door?bus=BUS-8&route=100&stop=S12#pair={code}")
    wait_screen(page, "idle")
    stored = page.evaluate("localStorage.getItem('aicity.doorDisplay.key')")
    assert stored.startswith("aicd_") and "key=" not in page.url and "pair=" not in page.url
    assert page.url.endswith("/screens/door?bus=BUS-8&route=100&stop=S12")
    assert httpx.get(f"{transit.url}/v1/auth/me", headers={"Authorization": f"Bearer {stored}"}).json()["id"] == device_id
    assert any(u.endswith("/v1/auth/pair") for u in urls)
    assert not any(stored in u or code in u or "key=" in u for u in urls), urls
    page.close()
