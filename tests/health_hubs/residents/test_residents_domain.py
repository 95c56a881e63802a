"""Pure rules of residents: jamo decomposition, initials and Korean fuzzy matching."""

from datetime import date

from services.health_hubs.residents.domain import Person, initials, match_score, plausible_birth_date, to_jamo


def test_jamo_decomposition():
    assert to_jamo("한글") == "ㅎㅏㄴㄱㅡㄹ"
    assert to_jamo("김 영희") == "ㄱㅣㅁㅇㅕㅇㅎㅢ"
    assert to_jamo("Kim") == "kim"
    assert initials("김", "영희") == "김OO" and initials("Kim", "Younghee") == "K. Y."


def test_korean_fuzzy_match_sees_a_one_letter_slip():
    a = Person("김", "영희", date(1948, 3, 15), "female", "010-1234-5678", "C001")
    slip = Person("김", "영히", date(1948, 3, 15), "female", "01012345678", "C001")  # ㅢ -> ㅣ
    other = Person("박", "철수", date(1948, 3, 15), "male", None, "C001")
    swapped = Person("김", "영희", date(1948, 3, 15).replace(month=3, day=15), "female", None, "C002")
    s_slip, reasons = match_score(a, slip)
    assert s_slip > 85 and "similar_name" in reasons and "same_phone" in reasons
    assert match_score(a, other)[0] < 50
    assert match_score(a, swapped)[0] > 75
    # day/month swapped birth date still counts
    b = Person("김", "영희", date(1948, 3, 5), "female")
    c = Person("김", "영희", date(1948, 5, 3), "female")
    assert "similar_birth_date" in match_score(b, c)[1]


def test_a_birth_date_lies_between_1900_and_the_day_given():
    today = date(2026, 3, 1)
    assert plausible_birth_date(date(1900, 1, 1), today=today) and plausible_birth_date(today, today=today)
    assert not plausible_birth_date(date(1899, 12, 31), today=today)
    assert not plausible_birth_date(date(2026, 3, 2), today=today)
