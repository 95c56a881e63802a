"""Pure air-quality rules: AirKorea grades (the worse of PM10 and PM2.5 shown), watch/warning after 2 hours
above the threshold, and the WHO 2021 guidelines. All in ug/m3; thresholds kept as data with their source."""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

GRADES = ("good", "moderate", "bad", "very_bad")
GRADE_KO = {"good": "좋음", "moderate": "보통", "bad": "나쁨", "very_bad": "매우나쁨"}

# AirKorea (환경부 에어코리아) grade bands, upper bounds inclusive: PM10 0-30, 31-80, 81-150, 151+;
# PM2.5 0-15, 16-35, 36-75, 76+.
GRADE_UPPER = {"pm10": (30, 80, 150), "pm25": (15, 35, 75)}
# How a fractional mean is put in a band: AirKorea publishes PM10 and PM2.5 as whole ug/m3 and its band edges are
# whole numbers (30 | 31), so a fractional value is first rounded to the whole number, half up (반올림, the rounding
# Korean public statistics use): 30.4 -> 30 good, 30.5 -> 31 moderate, 15.5 -> 16 moderate. Never Python's round()
# (half to even: 30.5 -> 30 but 31.5 -> 32, so equal halves would land on different sides of a band edge).
GRADE_ROUNDING = {"to": 1, "mode": "half_up",
                  "source": "AirKorea (airkorea.or.kr) whole-number publication and band table; DOMAIN.md, Air"}

# Watch (주의보) and warning (경보): issued when the hourly mean stays at or above the level for 2 hours.
# Lifted below the release level (verify: 환경부 미세먼지 경보제 운영 기준, not in DOMAIN.md).
ALERT_LEVELS = {
    "pm10": {"watch": {"issue": 150, "release": 100}, "warning": {"issue": 300, "release": 150}},
    "pm25": {"watch": {"issue": 75, "release": 35}, "warning": {"issue": 150, "release": 75}},
}
ALERT_HOLD = timedelta(hours=2)
MEAN_PERIOD = timedelta(hours=1)  # each value is the mean of the hour ending at its timestamp

# WHO global air quality guidelines 2021 (ug/m3): annual and 24-hour means.
WHO_2021 = {"pm25": {"annual": 5, "daily": 15}, "pm10": {"annual": 15, "daily": 45},
            "source": "WHO global air quality guidelines, 2021"}


def grade(pollutant: str, value: float | None) -> str | None:
    """AirKorea reports whole ug/m3; a fractional value is rounded half up before banding (GRADE_ROUNDING)."""
    if value is None:
        return None
    v = whole_ug_m3(value)
    for name, upper in zip(GRADES, GRADE_UPPER[pollutant], strict=False):
        if v <= upper:
            return name
    return "very_bad"


def whole_ug_m3(value: float) -> int:
    return int(Decimal(repr(float(value))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def worse_grade(pm10: float | None, pm25: float | None) -> str | None:
    grades = [g for g in (grade("pm10", pm10), grade("pm25", pm25)) if g is not None]
    return max(grades, key=GRADES.index) if grades else None


@dataclass(frozen=True)
class AlertState:
    level: str = "none"  # none | watch | warning
    watch_since: datetime | None = None  # since when at or above the watch level, without a break
    warning_since: datetime | None = None
    last_ts: datetime | None = None


def alert_step(pollutant: str, state: AlertState, ts: datetime, value: float) -> AlertState:
    """One hourly mean (of the hour ending at `ts`) in time order. A level is issued once the concentration
    has stayed at or above it for 2 h, i.e. on the second consecutive hourly mean at or above it; it is lifted
    when a mean falls below its release level."""
    levels = ALERT_LEVELS[pollutant]
    watch_since = (state.watch_since or ts) if value >= levels["watch"]["issue"] else None
    warning_since = (state.warning_since or ts) if value >= levels["warning"]["issue"] else None
    level = state.level
    if warning_since is not None and ts - warning_since + MEAN_PERIOD >= ALERT_HOLD:
        level = "warning"
    elif level == "warning" and value < levels["warning"]["release"]:
        level = "watch"
    if level == "none" and watch_since is not None and ts - watch_since + MEAN_PERIOD >= ALERT_HOLD:
        level = "watch"
    if level == "watch" and value < levels["watch"]["release"]:
        level = "none"
    return replace(state, level=level, watch_since=watch_since, warning_since=warning_since, last_ts=ts)


def replay(pollutant: str, series: list[tuple[datetime, float]]) -> tuple[AlertState, int, datetime | None]:
    """The alert state machine from the start over hourly means in time order (after a late hour arrived):
    the final state, how many level changes, and when the last one happened."""
    state, changes, changed_at = AlertState(), 0, None
    for ts, value in series:
        before = state.level
        state = alert_step(pollutant, state, ts, value)
        if state.level != before:
            changes, changed_at = changes + 1, ts
    return state, changes, changed_at


def who_comparison(pollutant: str, *, daily_means: list[float]) -> dict:
    """Days above the WHO 24-hour guideline, and the period mean against the annual guideline."""
    guide = WHO_2021[pollutant]
    mean = sum(daily_means) / len(daily_means) if daily_means else None
    return {
        "pollutant": pollutant, "days": len(daily_means),
        "daily_guideline": guide["daily"], "days_above_daily": sum(1 for v in daily_means if v > guide["daily"]),
        "max_daily_mean": max(daily_means) if daily_means else None,
        "annual_guideline": guide["annual"], "period_mean": mean,
        "period_mean_over_annual": mean / guide["annual"] if mean is not None else None,
        "source": WHO_2021["source"],
    }
