"""The citizen screens' Korean follows docs/COPY.md rule 1: the polite -요 form, not the formal -ㅂ니다 announcement
tone. Read from the screens' surfaces of the shared catalogue (services/common/i18n/), their scripts and the markup's
fallback text."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENS = sorted([*ROOT.glob("services/*/static/*.js"), *ROOT.glob("services/*/static/*.html"),
                  *ROOT.glob("services/*/*/static/*.js"), *ROOT.glob("services/*/*/static/*.html"),
                  *(ROOT / "services/common/i18n" / f"{surface}.json"
                    for surface in ("health_kiosk", "health_next_steps", "transit_enrol", "transit_door", "academy",
                                    "industry_near_miss"))])
WORD = re.compile(r"[가-힣]+니다")
BIEUP = 17  # the final consonant ㅂ in a Hangul syllable's jongseong index: 있습니다, 합니다, 큽니다, 잽니다
# A resident's own declaration (the consent checkbox) and thanks are said in the formal form in everyday Korean too.
ALLOWED = {"동의합니다", "감사합니다"}


def formal(word: str) -> bool:
    before = word[-3]
    return before == "습" or (ord(before) - 0xAC00) % 28 == BIEUP


def formal_words(text: str) -> set[str]:
    return {w for w in WORD.findall(text)
            if len(w) >= 3 and formal(w) and not any(w.endswith(a) for a in ALLOWED)}


@pytest.mark.parametrize("path", SCREENS, ids=[str(p.relative_to(ROOT)) for p in SCREENS])
def test_screen_copy_is_in_the_polite_yo_form(path):
    assert formal_words(path.read_text(encoding="utf-8")) == set()


def test_the_check_catches_the_formal_form():
    assert formal_words("처리하고 있습니다. 어서 오세요. 사진이 너무 큽니다. 동의합니다.") == {"있습니다", "큽니다"}
