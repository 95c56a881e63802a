"""Pure helpers of the centre staff and nurse workspace (alerts, countdowns, follow-ups, referrals): labels in
Korean first, times in Pohang, the alert cue sound. Tested without Streamlit."""

from __future__ import annotations

import io
import math
import struct
import wave
from datetime import UTC, datetime

from dashboard.views import wording
from services.common.citytime import CITY_ZONE
from services.common.i18n import pairs as catalogue_pairs

LABELS: dict[str, tuple[str, str]] = catalogue_pairs("dashboard_care")

KIND = catalogue_pairs("dashboard_codes", "kind.")
LEVEL_WHO = {int(level): words for level, words in catalogue_pairs("dashboard_codes", "level_who.").items()}
DELIVERY = catalogue_pairs("dashboard_codes", "delivery.")
ACTIONS = catalogue_pairs("dashboard_codes", "actions.")
OUTCOMES = catalogue_pairs("dashboard_codes", "outcomes.")
CALL_RESULTS = catalogue_pairs("dashboard_codes", "call_results.")
LIST_KINDS = catalogue_pairs("dashboard_codes", "list_kinds.")
REFERRAL_OUTCOMES = catalogue_pairs("dashboard_codes", "referral_outcomes.")
CATEGORY = catalogue_pairs("dashboard_codes", "category.")


t = wording(LABELS)


def label(table: dict, code: str | None, lang: str = "ko") -> str:
    if code is None:
        return ""
    ko, en = table.get(code, (code, code))
    return ko if lang == "ko" else en


def parse(when: str | datetime | None) -> datetime | None:
    if when is None or when == "":
        return None
    if isinstance(when, datetime):
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    value = datetime.fromisoformat(str(when).replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def clock(when: str | datetime | None) -> str:
    """HH:MM in Pohang (no seconds, no microseconds)."""
    value = parse(when)
    return value.astimezone(CITY_ZONE).strftime("%H:%M") if value else ""


def day_clock(when: str | datetime | None) -> str:
    value = parse(when)
    return value.astimezone(CITY_ZONE).strftime("%m월 %d일 %H:%M") if value else ""


def minutes_between(earlier: str | datetime | None, later: datetime) -> int:
    value = parse(earlier)
    return 0 if value is None else int((later - value).total_seconds() // 60)


def phone_text(phone: str | None) -> str:
    """010-1234-5678 from the stored digits."""
    if not phone:
        return "-"
    d = "".join(c for c in phone if c.isdigit())
    if len(d) == 11:
        return f"{d[:3]}-{d[3:7]}-{d[7:]}"
    if len(d) == 10:
        return f"{d[:3]}-{d[3:6]}-{d[6:]}"
    return phone


def reading_text(reading: dict | None) -> str:
    if not reading:
        return ""
    if reading.get("kind") == "bp":
        return f"{reading.get('systolic')}/{reading.get('diastolic')} mmHg"
    return f"{reading.get('glucose_mg_dl')} mg/dL"


def sort_alerts(alerts: list[dict]) -> list[dict]:
    """Open before acknowledged, crisis before hypoglycaemia, the oldest first (it waited longest)."""
    status_order = {"open": 0, "acknowledged": 1, "resolved": 2}
    kind_order = {"bp_crisis": 0, "hypoglycaemia": 1}
    return sorted(alerts, key=lambda a: (status_order.get(a.get("status"), 3), kind_order.get(a.get("kind"), 2),
                                         a.get("created_at") or ""))


def escalation_line(alert: dict, now: datetime, lang: str = "ko") -> str:
    """The countdown to the next level, or who it went to."""
    level = int(alert.get("escalation_level") or 0)
    nxt = parse(alert.get("next_escalation_at"))
    if nxt is not None:
        who = label(LEVEL_WHO, level + 1, lang)
        minutes = math.ceil((nxt - now).total_seconds() / 60)
        return t("escalates_in", lang, m=minutes, who=who) if minutes > 0 else t("escalation_overdue", lang, who=who)
    if level > 0:
        return t("escalated_to", lang, who=label(LEVEL_WHO, level, lang))
    return ""


def delivery_lines(alert: dict, lang: str = "ko") -> list[str]:
    out = []
    for n in alert.get("notifications") or []:
        who = n.get("recipient_name") or "-"
        when = f" {clock(n.get('sent_at'))}" if n.get("sent_at") else ""
        out.append(f"{label(LEVEL_WHO, n.get('level'), lang)} · {who}: {label(DELIVERY, n.get('status'), lang)}{when}")
    return out


def new_crisis_ids(alerts: list[dict], seen: set[str] | None) -> list[str]:
    """Open alerts not seen on the previous look (None: the first look, which raises no cue)."""
    if seen is None:
        return []
    return [a["id"] for a in alerts if a.get("status") == "open" and a["id"] not in seen]


def cue_wav(*, freq_hz: float = 880.0, beeps: int = 3, beep_s: float = 0.18, gap_s: float = 0.12,
            rate: int = 16000, tag: int = 0) -> bytes:
    """A short, clear beep-beep-beep as WAV bytes: the audible cue of a new crisis alert. `tag` adds tag % 64
    silent frames (at most 4 ms) at the end: Streamlit autoplays the same media only the first time it shows it,
    so every cue must be new bytes."""
    frames = bytearray()
    for i in range(beeps):
        for n in range(int(beep_s * rate)):
            frames += struct.pack("<h", int(12000 * math.sin(2 * math.pi * freq_hz * n / rate)))
        if i < beeps - 1:
            frames += b"\x00\x00" * int(gap_s * rate)
    frames += b"\x00\x00" * (tag % 64)
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))
    return out.getvalue()


STATUS = {**catalogue_pairs("dashboard_codes", "status."), **LIST_KINDS}
ROLES = catalogue_pairs("dashboard_codes", "roles.")
CONSENT_KINDS = catalogue_pairs("dashboard_codes", "consent_kinds.")
# Category bands drawn behind the charts: the same cut-offs the service classifies with (services/health_hubs/
# readings/rules.py, KSH 2022 for BP; ADA / KDA for fasting glucose), systolic only for BP.
BP_BANDS = [(60, 120, "normal", "#e8f5e9"), (120, 130, "elevated", "#fffde7"), (130, 140, "prehypertension", "#fff3e0"),
            (140, 160, "hypertension_grade1", "#ffe0b2"), (160, 180, "hypertension_grade2", "#ffccbc"),
            (180, 260, "crisis", "#ffcdd2")]
GLUCOSE_BANDS = [(30, 70, "hypo_level1", "#ffcdd2"), (70, 100, "normal", "#e8f5e9"),
                 (100, 126, "impaired_fasting", "#fff3e0"), (126, 400, "diabetes_range", "#ffe0b2")]


def bands_frame(bands, lang: str = "ko") -> list[dict]:
    return [{"low": lo, "high": hi, "band": label(CATEGORY, code, lang), "colour": colour}
            for lo, hi, code, colour in bands]


def referral_overdue(referral: dict, now: datetime) -> bool:
    due = parse(referral.get("due_at"))
    return referral.get("status") in ("requested", "accepted") and due is not None and due < now
