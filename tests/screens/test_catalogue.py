"""One ko/en catalogue (services/common/i18n/) for the dashboard and the citizen screens: every key a screen or the
dashboard asks for is there, in Korean and in English, and each screen is served its surface."""

import ast
import re
from pathlib import Path

import pytest

from services.common import i18n

ROOT = Path(__file__).resolve().parents[2]

# screen page -> (its catalogue surface, the scripts that say Screens.t(...) / read TEXTS)
SCREENS = {
    "services/health_hubs/static/kiosk.html": ("health_kiosk", ["services/health_hubs/static/kiosk.js"]),
    "services/transit/static/enrol.html": ("transit_enrol", ["services/transit/static/enrol.js"]),
    "services/transit/static/door.html": ("transit_door", ["services/transit/static/door.js"]),
    "services/talent_academy/static/academy.html": (
        "academy", ["services/talent_academy/static/academy.js", "services/talent_academy/static/academy-texts.js"]),
    "services/talent_academy/static/academy-status.html": (
        "academy", ["services/talent_academy/static/academy-status.js",
                    "services/talent_academy/static/academy-texts.js"]),
    "services/industry/safety/static/near-miss.html": (
        "industry_near_miss", ["services/industry/safety/static/near-miss.html"]),
}
MARKUP_KEY = re.compile(r'data-t(?:-label|-placeholder)?="([^"]+)"')
SCRIPT_KEY = re.compile(r'(?:Screens\.)?\bt\(\s*"([^"]+)"\s*[,)]')
# t("err." + code): a family of keys; at least one of the family must be there
SCRIPT_PREFIX = re.compile(r'(?:Screens\.)?\bt\(\s*"([^"]+)"\s*\+')


def screen_keys(page: str, scripts: list[str]) -> set[str]:
    keys = set(MARKUP_KEY.findall((ROOT / page).read_text(encoding="utf-8")))
    for script in scripts:
        keys |= set(SCRIPT_KEY.findall((ROOT / script).read_text(encoding="utf-8")))
    return keys


def screen_prefixes(scripts: list[str]) -> set[str]:
    return {p for script in scripts for p in SCRIPT_PREFIX.findall((ROOT / script).read_text(encoding="utf-8"))}


def test_every_catalogue_entry_has_korean_and_english():
    for surface in i18n.surfaces():
        for key, entry in i18n.messages(surface).items():
            assert entry["ko"].strip() and entry["en"].strip(), (surface, key)


@pytest.mark.parametrize("page", list(SCREENS))
def test_every_key_a_screen_uses_is_in_its_catalogue(page):
    surface, scripts = SCREENS[page]
    keys = screen_keys(page, scripts)
    assert len(keys) > 10  # the scan finds the screen's words (it would pass vacuously otherwise)
    entries = i18n.messages(surface)
    assert sorted(k for k in keys if k not in entries) == []
    assert sorted(p for p in screen_prefixes(scripts) if not any(k.startswith(p) for k in entries)) == []
    assert f'<script src="/screens/static/texts/{surface}.js"></script>' in (ROOT / page).read_text(encoding="utf-8")


def dashboard_keys() -> dict[str, set[str]]:
    """Literal keys of t(...)/views.t(...) (the dashboard surface) and of the care pages' cv.t(...)/tr(...) and
    care_views' own t(...) (the care surface)."""
    found: dict[str, set[str]] = {"dashboard": set(), "dashboard_care": set()}
    for path in ROOT.glob("dashboard/**/*.py"):
        care_file = path.name == "care_views.py" or path.name.startswith("care_")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else ""
            if name == "tr" or (name == "t" and (owner == "cv" or (owner == "" and path.name == "care_views.py"))):
                found["dashboard_care"].add(node.args[0].value)
            elif name == "t" and owner in ("", "views") and not care_file:
                found["dashboard"].add(node.args[0].value)
    return found


def test_every_key_the_dashboard_uses_is_in_the_catalogue():
    for surface, keys in dashboard_keys().items():
        assert len(keys) > 20, surface
        entries = i18n.messages(surface)
        assert sorted(k for k in keys if k not in entries) == [], surface


# Workspaces whose page words are a surface of their own, read through the page's w("...").
PAGE_SURFACES = {"academy_staff.py": "dashboard_academy_staff", "partner.py": "dashboard_partner"}


@pytest.mark.parametrize("page, surface", PAGE_SURFACES.items())
def test_every_key_a_workspace_page_uses_is_in_its_surface(page, surface):
    tree = ast.parse((ROOT / "dashboard" / "app_pages" / page).read_text(encoding="utf-8"))
    keys = {n.args[0].value for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
            and n.func.id == "w" and n.args and isinstance(n.args[0], ast.Constant)}
    assert len(keys) > 5
    assert sorted(keys - set(i18n.messages(surface))) == []


def test_the_scan_catches_a_missing_key(tmp_path):
    page = tmp_path / "p.html"
    page.write_text('<h1 data-t="no_such_key_anywhere"></h1><script>Screens.t("also_missing")</script>')
    keys = screen_keys(str(page), [str(page)])
    assert {"no_such_key_anywhere", "also_missing"} <= keys
    assert not keys & set(i18n.messages("health_kiosk"))


def test_a_catalogue_entry_without_english_is_refused(tmp_path, monkeypatch):
    (tmp_path / "half.json").write_text('{"hello": {"ko": "안녕하세요"}}', encoding="utf-8")
    monkeypatch.setattr(i18n, "CATALOGUE_DIR", tmp_path)
    i18n.messages.cache_clear()
    try:
        with pytest.raises(i18n.CatalogueError):
            i18n.messages("half")
    finally:
        i18n.messages.cache_clear()


def test_each_screen_is_served_its_words():
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from services.common.errors import install_error_handlers
    from services.health_hubs.screens import router

    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router)
    with TestClient(app) as client:
        script = client.get("/screens/static/texts/health_kiosk.js")
        assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
        assert "const TEXTS = " in script.text and "카드를 대 주세요" in script.text
        assert client.get("/screens/static/texts/dashboard.js").status_code == 404  # only its own surfaces


def test_the_overview_delta_says_what_it_compares_with():
    assert i18n.pairs("dashboard")["vs_previous"] == ("증감은 어제 이 시각 대비", "changes are against this time yesterday")
