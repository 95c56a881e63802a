"""Pure rules of residents: Korean-aware name matching and the likeness of two records. No session, no clock."""

import unicodedata
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz

# ---- Korean-aware name matching ----------------------------------------------------------------------------

_LEADS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_VOWELS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
_TAILS = ("", "ㄱ", "ㄲ", "ㄳ", "ㄴ", "ㄵ", "ㄶ", "ㄷ", "ㄹ", "ㄺ", "ㄻ", "ㄼ", "ㄽ", "ㄾ", "ㄿ", "ㅀ", "ㅁ", "ㅂ",
          "ㅄ", "ㅅ", "ㅆ", "ㅇ", "ㅈ", "ㅊ", "ㅋ", "ㅌ", "ㅍ", "ㅎ")
_SYLLABLE_FIRST, _SYLLABLE_LAST = 0xAC00, 0xD7A3


def to_jamo(text: str) -> str:
    """Decomposes Hangul syllables into compatibility jamo (한 -> ㅎㅏㄴ): a one-letter slip in a syllable then
    costs one jamo, not a whole syllable. Latin letters are case-folded; spaces and punctuation dropped."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        code = ord(ch)
        if _SYLLABLE_FIRST <= code <= _SYLLABLE_LAST:
            index = code - _SYLLABLE_FIRST
            out.append(_LEADS[index // 588] + _VOWELS[(index % 588) // 28] + _TAILS[index % 28])
        elif ch.isalnum():
            out.append(ch.casefold())
    return "".join(out)


def initials(family_name: str, given_name: str) -> str:
    """What a kiosk may show: 김영희 -> 김OO; Latin names -> K. Y."""
    family = family_name.strip()
    if family and _SYLLABLE_FIRST <= ord(family[0]) <= _SYLLABLE_LAST:
        return family + "O" * max(len(given_name.strip()), 1)
    return f"{family[:1].upper()}. {given_name.strip()[:1].upper()}."


def normalise_phone(phone: str | None) -> str | None:
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    if digits.startswith("82") and len(digits) >= 11:  # +82 10 ... -> 010 ...
        digits = "0" + digits[2:]
    return digits or None


EARLIEST_BIRTH_DATE = date(1900, 1, 1)


def plausible_birth_date(birth_date: date, *, today: date) -> bool:
    """A resident's birth date lies between 1900-01-01 and today (Pohang's day, given by the caller)."""
    return EARLIEST_BIRTH_DATE <= birth_date <= today


@dataclass(frozen=True)
class Person:
    family_name: str
    given_name: str
    birth_date: date
    sex: str
    phone: str | None = None
    centre_id: str | None = None


MATCH_WEIGHTS = {"name": 45, "birth_date": 30, "sex": 5, "phone": 15, "centre": 5}
LIKELY_DUPLICATE_SCORE = 75.0


def _birth_similarity(a: date, b: date) -> float:
    if a == b:
        return 1.0
    if a.year == b.year and a.month == b.day and a.day == b.month:
        return 0.8  # day and month swapped
    same = (a.year == b.year) + (a.month == b.month) + (a.day == b.day)
    if same == 2:
        return 0.6  # one part mistyped (or a lunar/solar slip of the day)
    return 0.0


def match_score(query: Person, candidate: Person) -> tuple[float, list[str]]:
    """0-100 likeness of two records, with the reasons; names are compared on their jamo."""
    reasons = []
    name_sim = fuzz.ratio(to_jamo(query.family_name + query.given_name),
                          to_jamo(candidate.family_name + candidate.given_name)) / 100.0
    if name_sim >= 0.999:
        reasons.append("same_name")
    elif name_sim >= 0.8:
        reasons.append("similar_name")
    birth_sim = _birth_similarity(query.birth_date, candidate.birth_date)
    if birth_sim == 1.0:
        reasons.append("same_birth_date")
    elif birth_sim > 0:
        reasons.append("similar_birth_date")
    score = MATCH_WEIGHTS["name"] * name_sim + MATCH_WEIGHTS["birth_date"] * birth_sim
    if query.sex == candidate.sex:
        score += MATCH_WEIGHTS["sex"]
    qp, cp = normalise_phone(query.phone), normalise_phone(candidate.phone)
    if qp and cp:
        if qp == cp:
            score += MATCH_WEIGHTS["phone"]
            reasons.append("same_phone")
        elif qp[-4:] == cp[-4:]:
            score += MATCH_WEIGHTS["phone"] / 2
            reasons.append("same_phone_last4")
    elif not qp or not cp:
        score += MATCH_WEIGHTS["phone"] * 0.3  # unknown phone: neither for nor against
    if query.centre_id and query.centre_id == candidate.centre_id:
        score += MATCH_WEIGHTS["centre"]
        reasons.append("same_centre")
    return round(score, 1), reasons
