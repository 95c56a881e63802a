"""The screens are served by their services, kept out of the API schema, and never serve a file outside
their static folder. (No browser needed.)"""

import re
from pathlib import Path

import pytest

from services.common.static_pages import SHARED_STATIC_DIR
from services.health_hubs.screens import STATIC_DIR as HEALTH_STATIC
from services.transit.screens import STATIC_DIR as TRANSIT_STATIC


@pytest.mark.parametrize("service,pages", [
    ("health_hubs", ["/screens/health-kiosk"]),
    ("transit", ["/screens/enrol", "/screens/door"]),
])
def test_pages_and_assets_are_served_outside_the_schema(client_for, service, pages):
    client = client_for(service)
    for page in pages:
        r = client.get(page)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        assert re.search(r"<html lang=\"ko\"[ >]", r.text)  # a Korean page (a class may follow)
        # nothing from the internet: every script and stylesheet is served locally
        assert "http://" not in r.text and "https://" not in r.text
    for asset in ("common.js", "screens.css"):
        r = client.get(f"/screens/static/{asset}")
        assert r.status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith("/screens")]
    for bad in ("../screens.py", "..%2Fscreens.py", "nope.js", "%2e%2e/%2e%2e/main.py", "kiosk"):
        r = client.get(f"/screens/static/{bad}")
        assert r.status_code == 404, bad
        assert r.json()["error"] in ("screen_file_not_found", "not_found")


def test_the_shared_helpers_are_kept_once_and_served_by_both_services(client_for):
    for name in ("common.js", "screens.css"):
        assert (SHARED_STATIC_DIR / name).is_file() and not (HEALTH_STATIC / name).exists()
        assert not (TRANSIT_STATIC / name).exists()
        body = (SHARED_STATIC_DIR / name).read_bytes()
        for service in ("health_hubs", "transit"):
            assert client_for(service).get(f"/screens/static/{name}").content == body, (service, name)


def test_no_page_loads_anything_from_the_internet():
    for folder in (HEALTH_STATIC, TRANSIT_STATIC, SHARED_STATIC_DIR):
        for path in Path(folder).iterdir():
            text = path.read_text(encoding="utf-8")
            assert "https://" not in text and "http://" not in text and "@import" not in text, path
