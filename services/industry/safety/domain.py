"""Pure rules of safe work: gas limits, detector faults, permits, heat stages, accident indicators. No I/O, no clock."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from services.industry.safety import rules


def effective_limits(site_limits: dict | None, site_source: str = "") -> dict[str, dict]:
    """The legal limits, each tightened (never loosened) by the site's own {gas: {"low": x, "high": y}};
    a tightened limit has source "site" and the site's document in `site_source`."""
    out = {}
    for gas, legal in rules.LEGAL_GAS_LIMITS.items():
        low, high, source = legal.low, legal.high, legal.source
        site = (site_limits or {}).get(gas) or {}
        if site.get("low") is not None and (low is None or site["low"] > low):
            low, source = float(site["low"]), "site"
        if site.get("high") is not None and (high is None or site["high"] < high):
            high, source = float(site["high"]), "site"
        out[gas] = {"gas": gas, "unit": legal.unit, "low": low, "high": high, "source": source,
                    "site_source": site_source if source == "site" else None,
                    "legal_source": legal.source, "label_ko": legal.label_ko}
    return out


def gas_breach(gas: str, value: float, limits: dict[str, dict]) -> str | None:
    """'low' or 'high' when the reading is outside suitable air, else None (low is inclusive, high exclusive)."""
    lim = limits.get(gas)
    if lim is None:
        return None
    if lim["low"] is not None and value < lim["low"]:
        return "low"
    if lim["high"] is not None and value >= lim["high"]:
        return "high"
    return None


def unsuitable(readings: dict[str, float], limits: dict[str, dict], *, required=("o2", "co", "h2s", "co2")) -> list:
    """Why air is not suitable for entry: every breach and every required gas not measured (empty = suitable)."""
    problems = []
    for gas in required:
        if readings.get(gas) is None:
            problems.append({"gas": gas, "problem": "not_measured"})
    for gas, value in readings.items():
        if value is None:
            continue
        side = gas_breach(gas, float(value), limits)
        if side:
            lim = limits[gas]
            problems.append({"gas": gas, "problem": side, "value": value,
                             "limit": lim["low"] if side == "low" else lim["high"], "unit": lim["unit"]})
    return problems


def error_flags(status: float) -> list[str]:
    bits = int(status)
    return [name for bit, name in rules.ERROR_BITS.items() if bits & bit] or (["unknown_error"] if bits else [])


@dataclass(frozen=True)
class DetectorView:
    last_ts: datetime | None  # newest reading of any channel
    node_stale: bool  # the Sparkplug node/device died
    last_bump_at: datetime | None
    bump_interval_h: float
    stale_after_s: float
    registered_at: datetime


def detector_faults(d: DetectorView, now: datetime) -> dict[str, str]:
    """Fault alarms a detector should have now: kind -> message (no_data, stale, bump_overdue)."""
    faults = {}
    if d.last_ts is None:
        if (now - d.registered_at).total_seconds() > d.stale_after_s:
            faults["no_data"] = "측정값이 한 번도 들어오지 않았어요"
    elif d.node_stale:
        faults["stale"] = "통신이 끊겼어요 (게이트웨이 연결 종료)"
    elif (now - d.last_ts).total_seconds() > d.stale_after_s:
        quiet_s = int((now - d.last_ts).total_seconds())
        faults["stale"] = (f"{quiet_s}초 동안 측정값이 없어요" if quiet_s < 180
                           else f"{quiet_s // 60}분 동안 측정값이 없어요")
    if d.last_bump_at is None or now - d.last_bump_at > timedelta(hours=d.bump_interval_h):
        faults["bump_overdue"] = "가스 반응 점검(범프 테스트) 기한이 지났어요"
    return faults


# --- permits -------------------------------------------------------------------------------------------------

PERMIT_KINDS = ("confined_space", "hot_work")


def movement(inside: list[str], *, person: str, direction: str) -> tuple[list[str], str | None]:
    """The people inside after someone goes in or out, or an error code."""
    if direction == "in":
        if person in inside:
            return inside, "already_inside"
        return [*inside, person], None
    if person not in inside:
        return inside, "not_inside"
    return [p for p in inside if p != person], None


# --- heat ----------------------------------------------------------------------------------------------------

def wet_bulb_c(temp_c: float, rh_pct: float) -> float:
    """Stull (2011) wet-bulb temperature from air temperature and relative humidity."""
    t, rh = temp_c, rh_pct
    return (t * math.atan(0.151977 * math.sqrt(rh + 8.313659)) + math.atan(t + rh) - math.atan(rh - 1.676331)
            + 0.00391838 * rh ** 1.5 * math.atan(0.023101 * rh) - 4.686035)


def apparent_temperature_c(temp_c: float, rh_pct: float) -> float:
    """KMA summer apparent temperature (체감온도), the measure the Ministry's heat stages use."""
    tw = wet_bulb_c(temp_c, rh_pct)
    return -0.2442 + 0.55399 * tw + 0.45535 * temp_c - 0.0022 * tw * tw + 0.00278 * tw * temp_c + 3.0


def heat_stage(apparent_c: float) -> rules.HeatStage | None:
    stage = None
    for s in rules.HEAT_STAGES:
        if apparent_c >= s.min_apparent_c:
            stage = s
    return stage


def rest_reminders(stage: rules.HeatStage | None, *, local_now: datetime, shift_end_local: datetime) -> list[dict]:
    """Rest breaks due from now to the shift's end: the last `rest_min_per_hour` minutes of each clock hour, and
    the 14-17 h outdoor rule of the stage. Times in the site's local time."""
    if stage is None or stage.rest_min_per_hour == 0:
        return []
    out = []
    hour = local_now.replace(minute=0, second=0, microsecond=0)
    while hour < shift_end_local:
        start = hour + timedelta(minutes=60 - stage.rest_min_per_hour)
        if start >= local_now:
            hot = rules.HOT_HOURS_LOCAL[0] <= hour.hour < rules.HOT_HOURS_LOCAL[1]
            out.append({"at": start, "minutes": stage.rest_min_per_hour,
                        "outdoor": stage.outdoor_2_to_5pm if hot else "normal",
                        "message_ko": f"{stage.label_ko} 단계예요. {stage.rest_min_per_hour}분 동안 그늘에서 쉬어요."})
        hour += timedelta(hours=1)
    return out


# --- accident indicators -------------------------------------------------------------------------------------

def rate(count: int, base: float | int | None, per: int) -> Fraction | None:
    """count / base x per, exactly; None when the base is missing or zero."""
    if not base:
        return None
    return Fraction(count) * per / Fraction(base)


def indicators(*, injured: int, deaths: int, lost_time: int, workers: int | None, hours: float | None) -> dict:
    """재해율 (injured incl. deaths per 100 workers), 사고사망만인율 (deaths per 10,000), LTIFR (per 1e6 h)."""
    vals = {"injury_rate": rate(injured, workers, 100), "fatality_per_10k": rate(deaths, workers, 10_000),
            "ltifr": rate(lost_time, Fraction(str(hours)) if hours else None, 1_000_000)}
    return {k: (None if v is None else round(float(v), 4)) for k, v in vals.items()}


def suppressed(*, workers: int | None, counts: list[int]) -> bool:
    """True when a small company's count of 1 or 2 could point at a person (see rules.MIN_SHOWN_COUNT). A company
    whose workforce is not reported is not known to be large, so it is treated as small."""
    if workers is not None and workers >= rules.SMALL_COMPANY_WORKERS:
        return False
    return any(0 < c < rules.MIN_SHOWN_COUNT for c in counts)
