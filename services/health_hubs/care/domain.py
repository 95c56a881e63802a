"""Pure rules of the staff and nurse workspace: the escalation chain, what staff record on an alert, the
follow-up lists and their call results. No session, no clock (callers pass `now`)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

# ---- escalation chain ---------------------------------------------------------------------------------------
# Programme policy, after Yongin's and Masan's smart senior centres (readings reviewed by 보건소 nurses) and
# Simple's overdue follow-up: the centre's staff first (level 0, until the alert's ack_due_at, i.e.
# HEALTH_HUBS_ALERT_ACK_MINUTES after it was raised), then the district nurse, then the public health centre's
# duty officer. `after_minutes` counts from the previous level's deadline. Acknowledging stops the chain.


@dataclass(frozen=True)
class EscalationLevel:
    level: int
    who: str  # the contact role told at this level (escalation_contact.level holds `level`)
    who_ko: str
    after_minutes: int  # after the previous level's deadline


ESCALATION_CHAIN: tuple[EscalationLevel, ...] = (
    EscalationLevel(1, "district_nurse", "방문간호사", 0),  # at ack_due_at itself
    EscalationLevel(2, "duty_officer", "보건소 당직자", 20),
)
LEVEL_NAMES_KO = {0: "센터 직원", **{lv.level: lv.who_ko for lv in ESCALATION_CHAIN}}


def escalation_deadlines(ack_due_at: datetime, chain=ESCALATION_CHAIN) -> list[tuple[int, datetime]]:
    """[(level, when an unacknowledged alert reaches it)], in order."""
    out, at = [], ack_due_at
    for step in chain:
        at = at + timedelta(minutes=step.after_minutes)
        out.append((step.level, at))
    return out


def levels_due(*, status: str, level: int, ack_due_at: datetime, now: datetime,
               chain=ESCALATION_CHAIN) -> list[int]:
    """The levels an alert must pass now (in order), beyond the one it is at. Only open alerts escalate."""
    if status != "open":
        return []
    return [lv for lv, due in escalation_deadlines(ack_due_at, chain) if lv > level and due <= now]


def next_escalation_at(*, status: str, level: int, ack_due_at: datetime, chain=ESCALATION_CHAIN
                       ) -> datetime | None:
    if status != "open":
        return None
    return next((due for lv, due in escalation_deadlines(ack_due_at, chain) if lv > level), None)


# ---- what staff record on an alert --------------------------------------------------------------------------

ALERT_ACTIONS = {  # code: Korean label on the screen
    "remeasured": "다시 재었어요",
    "called_119": "119에 전화했어요",
    "sent_to_clinic": "병원·보건소로 보냈어요",
    "family_called": "가족에게 연락했어요",
    "went_home": "귀가했어요",
    "other": "기타",
}
ALERT_OUTCOMES = {
    "stable_after_remeasure": "다시 재니 괜찮았어요",
    "transported_119": "119로 이송했어요",
    "seen_by_clinic": "병원·보건소 진료를 받았어요",
    "went_home_advised": "안내 후 귀가했어요",
    "other": "기타",
}

# ---- follow-up lists (Simple, simpledotorg/simple-server; WHO HEARTS) --------------------------------------

UNCONTROLLED_REVISIT_DAYS = 30  # HEARTS: an uncontrolled patient is seen again monthly until controlled
MISSED_VISIT_DAYS = 90  # no visit in 3 months
LOST_TO_FOLLOW_UP_DAYS = 365  # no visit in 12 months
RETURN_TO_CARE_DAYS = 15  # "returned to care": a visit within 15 days of the first call

CALL_RESULTS = {  # code: (Korean label, removes the resident from the list)
    "reached": ("통화했어요", False),
    "will_come": ("오시기로 했어요", False),
    "moved": ("이사했어요", True),
    "died": ("돌아가셨어요", True),
    "unreachable": ("연락이 안 돼요", False),
}
LIST_KINDS_KO = {"uncontrolled": "혈압 조절 안 됨 · 재측정 지남", "missed": "3개월 방문 없음",
                 "lost": "12개월 방문 없음"}


def follow_up_kind(*, last_visit_at: datetime | None, last_bp_uncontrolled: bool, now: datetime,
                   revisit_days: int = UNCONTROLLED_REVISIT_DAYS) -> str | None:
    """Which follow-up list a resident belongs on, the most urgent first; None: not due."""
    if last_visit_at is None:
        return None  # registered, never measured: the centre's own welcome, not a follow-up
    days = (now - last_visit_at).total_seconds() / 86400
    if days >= LOST_TO_FOLLOW_UP_DAYS:
        return "lost"
    if days >= MISSED_VISIT_DAYS:
        return "missed"
    if last_bp_uncontrolled and days >= revisit_days:
        return "uncontrolled"
    return None


def returned_to_care(*, first_call_at: datetime, visits: list[datetime], days: int = RETURN_TO_CARE_DAYS) -> bool:
    return any(first_call_at <= v <= first_call_at + timedelta(days=days) for v in visits)


# ---- simulated staff (demo) ----------------------------------------------------------------------------------
# In the demo city somebody answers alerts at human speed, so they do not pile up: a few minutes to acknowledge
# (the chain's 10 minutes are rarely missed), a re-measure, then a resolution. The signed-in demo user's own
# centre is left alone for a while so there is live work on their screen.


def simulated_staff_step(alert: dict, *, now: datetime, reaction_min: float, leave_centre: str | None,
                         leave_for_min: float = 20.0) -> list[tuple[str, dict | None]]:
    """What simulated staff do with one alert now: [(path suffix, body)], empty for 'not yet'."""
    age_min = (now - alert["created_at"]).total_seconds() / 60
    if alert["centre_id"] == leave_centre and age_min < leave_for_min:
        return []
    if age_min < reaction_min:
        return []
    if alert["status"] == "open":
        return [("ack", None), ("actions", {"action": "remeasured"})]
    if alert["status"] == "acknowledged" and age_min >= reaction_min + 4:
        outcome = "stable_after_remeasure" if alert["kind"] == "hypoglycaemia" or age_min % 3 else "seen_by_clinic"
        return [("resolve", {"outcome": outcome})]
    return []
