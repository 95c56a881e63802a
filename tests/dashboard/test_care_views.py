"""Pure helpers of the staff and nurse workspace: order, countdown, delivery lines, new-alert cue."""

import io
import wave
from datetime import UTC, datetime, timedelta

from dashboard import care_views as cv

NOW = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # 09:00 in Pohang


def alert(**over):
    base = {"id": "a", "kind": "bp_crisis", "status": "open", "created_at": (NOW - timedelta(minutes=3)).isoformat(),
            "escalation_level": 0, "next_escalation_at": (NOW + timedelta(minutes=7)).isoformat(),
            "notifications": []}
    return {**base, **over}


def test_open_crisis_first_then_oldest():
    rows = [alert(id="ack", status="acknowledged"), alert(id="hypo", kind="hypoglycaemia"),
            alert(id="new", created_at=NOW.isoformat()), alert(id="old")]
    assert [a["id"] for a in cv.sort_alerts(rows)] == ["old", "new", "hypo", "ack"]


def test_countdown_and_who_was_told_in_korean_and_english():
    assert cv.escalation_line(alert(), NOW) == "7분 뒤 방문간호사에게 알려요"
    assert cv.escalation_line(alert(), NOW, "en") == "goes to the district nurse in 7 min"
    late = alert(next_escalation_at=(NOW - timedelta(seconds=5)).isoformat())
    assert cv.escalation_line(late, NOW) == "곧 방문간호사에게 알려요"
    top = alert(escalation_level=2, next_escalation_at=None)
    assert cv.escalation_line(top, NOW) == "보건소 당직자에게 알렸어요"
    told = alert(notifications=[{"level": 1, "recipient_name": "김간호", "status": "sent",
                                 "sent_at": "2026-12-01T00:05:00+00:00"},
                                {"level": 2, "recipient_name": "", "status": "failed", "sent_at": None}])
    assert cv.delivery_lines(told) == ["방문간호사 · 김간호: 보냄 09:05", "보건소 당직자 · -: 못 보냄"]


def test_cue_only_for_open_alerts_not_seen_before_and_never_on_the_first_look():
    rows = [alert(id="x"), alert(id="y", status="acknowledged"), alert(id="z")]
    assert cv.new_crisis_ids(rows, None) == []
    assert cv.new_crisis_ids(rows, {"x"}) == ["z"]
    with wave.open(io.BytesIO(cv.cue_wav())) as w:
        assert w.getframerate() == 16000 and 0.6 < w.getnframes() / 16000 < 1.0
    # every cue is new bytes of the same sound (Streamlit autoplays media it has shown before only once)
    cues = [cv.cue_wav(tag=n) for n in (1, 2, 3)]
    assert len(set(cues)) == 3 and cues[0][44:44 + 5000] == cues[2][44:44 + 5000]


def test_times_in_pohang_and_overdue_referrals():
    assert cv.clock("2026-12-01T00:00:00Z") == "09:00" and cv.day_clock(NOW) == "12월 01일 09:00"
    assert cv.reading_text({"kind": "bp", "systolic": 191, "diastolic": 101}) == "191/101 mmHg"
    assert cv.referral_overdue({"status": "requested", "due_at": (NOW - timedelta(days=1)).isoformat()}, NOW)
    assert not cv.referral_overdue({"status": "completed", "due_at": (NOW - timedelta(days=1)).isoformat()}, NOW)


def test_phone_numbers_are_written_as_people_write_them():
    assert cv.phone_text("01012345678") == "010-1234-5678" and cv.phone_text(None) == "-"
    assert cv.phone_text("0542701234") == "054-270-1234"
