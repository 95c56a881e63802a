"""The one catalogue of words a person reads, Korean and English side by side: one JSON file per surface in this
folder, each `{"key": {"ko": "...", "en": "..."}}`. The dashboard reads it here; a citizen screen gets its surface as
a script (`const TEXTS = {ko: {...}, en: {...}}`) from its service's /screens/static/texts/<surface>.js."""

import json
from functools import cache
from pathlib import Path

CATALOGUE_DIR = Path(__file__).resolve().parent
LANGS = ("ko", "en")


class CatalogueError(ValueError):
    pass


@cache
def messages(surface: str) -> dict[str, dict[str, str]]:
    """Every key of `surface` with its text in each language; raises if a key lacks a language or is not text."""
    path = CATALOGUE_DIR / f"{surface}.json"
    if not surface.replace("_", "").isalnum() or not path.is_file():
        raise CatalogueError(f"no catalogue surface {surface!r}")
    entries = json.loads(path.read_text(encoding="utf-8"))
    for key, entry in entries.items():
        if not isinstance(entry, dict) or set(entry) != set(LANGS) or not all(isinstance(v, str) for v in entry.values()):
            raise CatalogueError(f"{surface}.json: {key!r} needs exactly one text for each of {LANGS}")
    return entries


def surfaces() -> list[str]:
    return sorted(p.stem for p in CATALOGUE_DIR.glob("*.json"))


def pairs(surface: str, prefix: str = "") -> dict[str, tuple[str, str]]:
    """`{key: (ko, en)}`, the shape the dashboard's helpers read; with `prefix` ("status."), only that family of
    keys, the prefix taken off (a table of coded values: `{"open": ("열림", "open"), ...}`)."""
    return {key.removeprefix(prefix): (entry["ko"], entry["en"]) for key, entry in messages(surface).items()
            if key.startswith(prefix)}


def by_lang(surface: str) -> dict[str, dict[str, str]]:
    """`{"ko": {key: text}, "en": {key: text}}`, the shape a screen's `Screens.init(TEXTS)` reads."""
    entries = messages(surface)
    return {lang: {key: entry[lang] for key, entry in entries.items()} for lang in LANGS}


def screen_script(surface: str) -> str:
    """The surface as a classic script defining `TEXTS`, loaded before the screen's own script."""
    body = json.dumps(by_lang(surface), ensure_ascii=False, indent=1)
    return f"// Generated from services/common/i18n/{surface}.json: edit the catalogue, not this.\n" \
           f"\"use strict\";\nconst TEXTS = {body};\n"


def write(surface: str, entries: dict[str, dict[str, str]]) -> None:
    """One line per key, Korean then English (used when moving words in; the files are edited by hand after)."""
    lines = [f" {json.dumps(k, ensure_ascii=False)}: {json.dumps({'ko': v['ko'], 'en': v['en']}, ensure_ascii=False)}"
             for k, v in entries.items()]
    (CATALOGUE_DIR / f"{surface}.json").write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")
