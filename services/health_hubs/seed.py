"""Demo data for the health_hubs service, loaded by `aicity up` on first run: residents of ten centres with cards
and consents, and a year of kiosk readings with plausible distributions for older Korean adults."""

import random
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine

from services.health_hubs.care.models import EscalationContact, FollowUpCall, Referral
from services.health_hubs.centres.domain import get_centre
from services.health_hubs.readings.domain import average_sitting, classify_reading
from services.health_hubs.readings.models import Reading
from services.health_hubs.readings.rules import rule_set
from services.health_hubs.residents.domain import to_jamo
from services.health_hubs.residents.models import Consent, Resident, ResidentToken
from services.health_hubs.residents.service import token_hash

DEMO_CENTRES = [f"C{n:03d}" for n in range(1, 11)]
# (name, device kind, place) of the demo devices this service needs; `aicity seed` creates their keys.
DEMO_DEVICES: list[tuple[str, str, str | None]] = [(f"kiosk-{c}", "health_kiosk", c) for c in DEMO_CENTRES]
RESIDENTS_PER_CENTRE = 60
MONTHS = 12  # a year of history: the BP-control line has a point for every month of its year

FAMILY = ["김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신", "권", "황"]
GIVEN_F = ["영희", "순자", "정숙", "영자", "춘자", "말순", "옥순", "명숙", "경자", "정자", "숙자", "금순"]
GIVEN_M = ["영수", "철수", "상철", "정호", "영호", "광수", "종철", "병철", "만수", "성호", "기철", "동수"]


def demo_token(centre_id: str, n: int) -> str:
    """Cards of demo residents are predictable so the simulator can tap them (demo only)."""
    return f"HH-DEMO-{centre_id}-{n:04d}"


def _resident_profile(rng: random.Random) -> dict:
    """Per-person means: about 60% of Koreans 65+ have hypertension and ~30% diabetes (KNHANES); control varies."""
    hypertensive = rng.random() < 0.6
    diabetic = rng.random() < 0.3
    sys_mean = rng.gauss(142, 14) if hypertensive else rng.gauss(122, 9)
    return {"sys": sys_mean, "dia": rng.gauss(0.45 * sys_mean + 16, 6),
            "glu": rng.gauss(150, 35) if diabetic else rng.gauss(98, 10), "diabetic": diabetic,
            "visits_per_month": rng.choice([0, 1, 1, 2, 2, 3, 4])}


def seed(engine: Engine, *, settings, credentials: dict) -> dict:
    """Loads demo data once; returns a summary. `credentials` holds the demo device keys by name."""
    with engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(Resident)).scalar_one():
            return {"seeded": False}
    rng = random.Random(5)
    rules = rule_set(settings.rules_version)
    now = datetime.now(UTC)
    start = now - timedelta(days=30 * MONTHS)
    residents, consents, tokens, readings = [], [], [], []
    for centre_id in DEMO_CENTRES:
        centre = get_centre(centre_id)
        device = credentials.get("devices", {}).get(f"kiosk-{centre_id}", {}).get("id", f"seed-{centre_id}")
        for n in range(1, RESIDENTS_PER_CENTRE + 1):
            sex = rng.choice(["female", "female", "male"])  # centre users are mostly women
            family, given = rng.choice(FAMILY), rng.choice(GIVEN_F if sex == "female" else GIVEN_M)
            rid = uuid.uuid4()
            registered = start - timedelta(days=rng.randint(0, 400)) if n > 5 else now - timedelta(days=20)
            residents.append({
                "id": rid, "family_name": family, "given_name": given, "name_key": to_jamo(family + given),
                "birth_date": date(rng.randint(1935, 1958), rng.randint(1, 12), rng.randint(1, 28)), "sex": sex,
                "phone": f"010{rng.randint(10000000, 99999999)}", "centre_id": centre_id,
                "district": centre.district, "status": "active", "merged_into_id": None,
                "registered_at": registered, "died_at": None, "updated_at": registered, "created_by": "seed",
            })
            for kind in ("health_data", "share_public_health", "reminders"):
                consents.append({"resident_id": rid, "kind": kind, "granted": kind == "health_data"
                                 or rng.random() < 0.85, "version": settings.consent_version,
                                 "recorded_at": registered, "recorded_by": "seed"})
            tokens.append({"token_hash": token_hash(demo_token(centre_id, n)), "resident_id": rid,
                           "issued_at": registered, "revoked_at": None})
            readings += _history(rng, rid, centre_id, device, max(start, registered), now, rules)
    referrals, calls = _work(rng, residents, consents, readings, now)
    with engine.begin() as conn:
        conn.execute(insert(Resident), residents)
        conn.execute(insert(Consent), consents)
        conn.execute(insert(ResidentToken), tokens)
        for i in range(0, len(readings), 2000):
            conn.execute(insert(Reading), readings[i:i + 2000])
        conn.execute(insert(EscalationContact), DEMO_CONTACTS)
        if referrals:
            conn.execute(insert(Referral), referrals)
        if calls:
            conn.execute(insert(FollowUpCall), calls)
    return {"seeded": True, "residents": len(residents), "readings": len(readings), "centres": len(DEMO_CENTRES),
            "referrals": len(referrals), "follow_up_calls": len(calls)}


# Who the escalation chain tells in the demo (e-mail through the local SMTP relay, HEALTH_HUBS_SMTP_*).
DEMO_CONTACTS = [
    {"district": "Buk-gu", "level": 1, "name": "북구 방문간호사", "channel": "email",
     "address": "nurse.bukgu@health.aicity.example", "active": True},
    {"district": "Buk-gu", "level": 2, "name": "북구보건소 당직", "channel": "email",
     "address": "duty.bukgu@health.aicity.example", "active": True},
    {"district": "Nam-gu", "level": 1, "name": "남구 방문간호사", "channel": "email",
     "address": "nurse.namgu@health.aicity.example", "active": True},
    {"district": "Nam-gu", "level": 2, "name": "남구보건소 당직", "channel": "email",
     "address": "duty.namgu@health.aicity.example", "active": True},
]


def _work(rng, residents, consents, readings, now) -> tuple[list[dict], list[dict]]:
    """Work already on the desk: referrals for residents with repeated uncontrolled readings (some overdue,
    some accepted), and a few follow-up calls from last week, so the workspace looks lived in."""
    from services.health_hubs.readings.domain import UNCONTROLLED_CATEGORIES

    sharing = {c["resident_id"] for c in consents if c["kind"] == "share_public_health" and c["granted"]}
    uncontrolled: dict = {}
    for r in readings:
        if r["kind"] == "bp" and r["category"] in UNCONTROLLED_CATEGORIES and r["measured_at"] > now - timedelta(
                days=60):
            uncontrolled[r["resident_id"]] = uncontrolled.get(r["resident_id"], 0) + 1
    by_id = {r["id"]: r for r in residents}
    referrals, calls = [], []
    picked = [rid for rid, n in sorted(uncontrolled.items(), key=lambda kv: -kv[1]) if n >= 3 and rid in sharing]
    for i, rid in enumerate(picked[:24]):
        res = by_id[rid]
        requested = now - timedelta(days=rng.choice([1, 2, 3, 5, 9, 12]))
        accepted = i % 3 == 0
        referrals.append({
            "id": uuid.uuid4(), "resident_id": rid, "open_key": str(rid), "centre_id": res["centre_id"],
            "district": res["district"], "reason": f"60일 동안 혈압 조절 안 됨 {uncontrolled[rid]}번",
            "evidence": [], "status": "accepted" if accepted else "requested", "requested_at": requested,
            "due_at": requested + timedelta(days=30 if accepted else 7),
            "accepted_at": requested + timedelta(days=1) if accepted else None,
            "accepted_by": "user:nurse-bukgu" if accepted else None, "completed_at": None, "completed_by": None,
            "outcome": None, "outcome_note": None, "created_by": "system"})
    last_visit: dict = {}
    for r in readings:
        last_visit[r["resident_id"]] = max(last_visit.get(r["resident_id"], r["measured_at"]), r["measured_at"])
    overdue = [rid for rid, at in last_visit.items() if at < now - timedelta(days=35)]
    for rid in overdue[:12]:
        res = by_id[rid]
        kind = "missed" if last_visit[rid] < now - timedelta(days=90) else "uncontrolled"
        calls.append({"resident_id": rid, "centre_id": res["centre_id"], "district": res["district"],
                      "list_kind": kind, "result": rng.choice(["reached", "unreachable", "will_come"]),
                      "note": None, "called_at": now - timedelta(days=rng.randint(3, 9)), "called_by": "seed"})
    return referrals, calls


def _history(rng, rid, centre_id, device, since, now, rules) -> list[dict]:
    p = _resident_profile(rng)
    out = []
    days = max(1, (now - since).days)
    visits = int(p["visits_per_month"] * days / 30)
    for _ in range(visits):
        at = since + timedelta(days=rng.uniform(0, days))
        at = at.replace(hour=rng.randint(0, 8), minute=rng.randint(0, 59))  # 9:00-17:59 Seoul time
        if at > now:
            continue
        base = {"id": uuid.uuid4(), "resident_id": rid, "centre_id": centre_id, "home_centre_id": centre_id, "device_id": device,
                "measured_at": at, "device_updated_at": at, "received_at": at, "updated_at": at,
                "deleted_at": None, "rule_version": rules.version, "sample_type": None, "meter_seq": None}
        sys_now = p["sys"] + rng.gauss(0, 9)
        dia_now = p["dia"] + rng.gauss(0, 6)
        raw = []
        for _k in range(2):
            s = int(min(280, max(85, sys_now + rng.gauss(0, 4))))
            d = int(min(150, max(45, min(s - 20, dia_now + rng.gauss(0, 3)))))
            raw.append({"systolic": s, "diastolic": d, "map_mmhg": round(d + (s - d) / 3),
                        "pulse_bpm": int(rng.gauss(74, 9)), "flags": []})
        sitting = average_sitting(raw, rules)
        values = {"systolic": sitting.systolic, "diastolic": sitting.diastolic, "protocol_complete": True}
        category, step = classify_reading("bp", values, rules)
        out.append({**base, "kind": "bp", "systolic": sitting.systolic, "diastolic": sitting.diastolic,
                    "map_mmhg": sitting.map_mmhg, "pulse_bpm": sitting.pulse_bpm, "raw": raw, "flags": [],
                    "protocol_complete": True, "glucose_mg_dl": None, "meal_context": None,
                    "category": category, "next_step": step})
        if p["diabetic"] or rng.random() < 0.3:
            meal = rng.choice(["fasting", "postprandial", "random"])
            glu = int(max(45, p["glu"] * (1.0 if meal == "fasting" else 1.3) + rng.gauss(0, 18)))
            category, step = classify_reading("glucose", {"glucose_mg_dl": glu, "meal_context": meal}, rules)
            out.append({**base, "id": uuid.uuid4(), "kind": "glucose", "systolic": None, "diastolic": None,
                        "map_mmhg": None, "pulse_bpm": None, "raw": [], "flags": [], "protocol_complete": True,
                        "glucose_mg_dl": glu, "meal_context": meal, "sample_type": "capillary_whole_blood",
                        "category": category, "next_step": step})
    return out
