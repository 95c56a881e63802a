"""Pure alarm rules: threshold, duration and rate-of-change, drift detection by EWMA and CUSUM, and the
alarm-management rules of ANSI/ISA-18.2 (states, deadband and on-delay defaults, flood counting, priority).

Each rule steps through a sensor's readings in time order: `step(rule, state, ts, value) -> (state, active)`.
The alarm opens when a rule becomes active, holds while it stays active, and returns to normal when every rule of
that type on the sensor is inactive again. Drift rules signal once and restart their statistic; their alarm is
latched: a person resets it (after maintenance), not the data."""

import math
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

SEVERITIES = ("info", "warning", "critical")
RULE_KINDS = ("threshold", "duration", "rate_of_change", "ewma", "cusum")

# Limits giving a known in-control average run length (ARL0), in units of the in-control sigma.
# Sources: Montgomery, Introduction to Statistical Quality Control (Shewhart 3-sigma: ARL0 ~370;
# CUSUM k = 0.5, h = 5: ARL0 ~465); Lucas & Saccucci 1990 (EWMA lambda 0.05, L 2.615: ARL0 ~500).
DRIFT_DEFAULTS = {
    "ewma": {"lambda": 0.05, "L": 2.615, "arl0": 500, "source": "Lucas & Saccucci 1990, Technometrics 32(1)"},
    "cusum": {"k": 0.5, "h": 5.0, "arl0": 465, "source": "Montgomery, Statistical Quality Control, table 9.3"},
    "shewhart": {"L": 3.0, "arl0": 370, "source": "Montgomery, Statistical Quality Control"},
}


ISA_18_2 = "ANSI/ISA-18.2-2016, Management of Alarm Systems for the Process Industries"
# ISA-18.2 alarm states (the standard's state diagram) as shown by the API, from the stored row:
#   unacknowledged       condition active, not acknowledged (stored state "open")
#   acknowledged         condition active, acknowledged
#   rtn_unacknowledged   returned to normal but not yet acknowledged (stored "rtn_unack"; the slot stays open,
#                        so a recurrence is the same alarm, unacknowledged again)
#   normal               returned to normal and acknowledged (stored "cleared")
#   shelved              taken off the operator's list by a person, with who, why and until when (time-limited)
#   suppressed_by_design the rule's condition is tracked but does not annunciate (operating-state logic)
#   out_of_service       the rule is removed from service (maintenance): not evaluated at all
ISA_STATES = ("unacknowledged", "acknowledged", "rtn_unacknowledged", "normal", "shelved", "suppressed_by_design",
              "out_of_service")
RULE_MODES = ("in_service", "suppressed_by_design", "out_of_service")
STORED_TO_ISA = {"open": "unacknowledged", "acknowledged": "acknowledged", "rtn_unack": "rtn_unacknowledged",
                 "cleared": "normal"}
MAX_SHELVE = timedelta(hours=12)  # shelving is time-limited (ISA-18.2): at most one 12-hour shift here

# Default deadband (share of the sensor's measuring range) and on-delay by signal type: the starting values
# ISA-18.2 (clause on alarm deadband and delay) and its technical report ISA-TR18.2.3 recommend, as quoted in
# public summaries of them (the standard's text was not read here): flow 5 %, level 5 %, pressure 2 %,
# temperature 1 %; on-delay flow 15 s, level 60 s, pressure 15 s, temperature 60 s. Other quantities take the
# pressure row. A rule may set its own (0 included); the rule shows what is in force.
ALARM_DEFAULTS = {
    "flow": {"deadband_pct": 5.0, "on_delay_s": 15.0},
    "level": {"deadband_pct": 5.0, "on_delay_s": 60.0},
    "pressure": {"deadband_pct": 2.0, "on_delay_s": 15.0},
    "temperature": {"deadband_pct": 1.0, "on_delay_s": 60.0},
    "source": "ANSI/ISA-18.2-2016 and ISA-TR18.2.3 recommended deadband and on-delay by signal type",
}
# ISA-18.2 performance targets counted per operator position per 10 minutes: about 1 is very likely acceptable,
# 2 is the most manageable, and more than 10 in 10 minutes is an alarm flood. One site's console is one operator
# position here.
FLOOD = {"window": timedelta(minutes=10), "more_than": 10, "acceptable": 1, "manageable_max": 2,
         "source": ISA_18_2 + ", alarm system performance (alarm flood: > 10 alarms per 10 min per operator)"}


def signal_kind(quantity: str) -> str:
    q = quantity.lower()
    for kind in ("temperature", "pressure", "level", "flow"):
        if kind in q:
            return kind
    return "pressure"


def default_deadband(*, quantity: str, limit: float, min_valid: float | None, max_valid: float | None) -> float:
    pct = ALARM_DEFAULTS[signal_kind(quantity)]["deadband_pct"] / 100.0
    span = (max_valid - min_valid) if min_valid is not None and max_valid is not None else abs(limit)
    return pct * span


def default_on_delay_s(quantity: str) -> float:
    return ALARM_DEFAULTS[signal_kind(quantity)]["on_delay_s"]


def isa_state(*, stored: str, shelved_until: datetime | None, rule_mode: str | None, now: datetime) -> str:
    if rule_mode in ("suppressed_by_design", "out_of_service") and stored != "cleared":
        return rule_mode
    if shelved_until is not None and now < shelved_until and stored != "cleared":
        return "shelved"
    return STORED_TO_ISA.get(stored, stored)


def flood_intervals(opened: list[datetime], *, start: datetime, end: datetime) -> list[dict]:
    """Annunciated alarms counted per fixed 10-minute interval of [start, end); an interval with more than 10 is a
    flood (ISA-18.2)."""
    window = FLOOD["window"]
    n = max(0, math.ceil((end - start) / window))
    counts = [0] * n
    for t in opened:
        if start <= t < end:
            counts[int((t - start) // window)] += 1
    return [{"start": start + i * window, "end": start + (i + 1) * window, "alarms": c,
             "flood": c > FLOOD["more_than"]} for i, c in enumerate(counts)]


def priority_key(severity: str, opened_at: datetime) -> tuple:
    """Paging order: highest priority first, then the newest."""
    return (-severity_rank(severity), -opened_at.timestamp())


def alarm_type(kind: str) -> str:
    """One open alarm per asset and type: both drift detectors raise the one `drift` alarm."""
    return "drift" if kind in ("ewma", "cusum") else kind


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


@dataclass(frozen=True)
class Rule:
    id: int
    kind: str
    severity: str = "warning"
    comparison: str = "above"  # above | below (threshold, duration); rate: above = rising, below = falling
    limit: float = 0.0
    deadband: float = 0.0  # a threshold clears only this far back inside the limit
    on_delay_s: float = 0.0  # a threshold opens only when the condition has held this long
    duration_s: float = 0.0
    # drift: in-control mean and sigma of the signal, and the chart's constants
    target: float = 0.0
    sigma: float = 1.0
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class State:
    active: bool = False
    since: datetime | None = None  # when the condition started to hold (duration)
    last_ts: datetime | None = None
    last_value: float | None = None
    stat: dict = field(default_factory=dict)  # ewma: {"z"}; cusum: {"hi", "lo"}


def _beyond(rule: Rule, value: float, margin: float = 0.0) -> bool:
    if rule.comparison == "above":
        return value > rule.limit - margin
    return value < rule.limit + margin


def _held(rule: Rule, state: State, ts: datetime, value: float, *, need_s: float) -> tuple[bool, datetime | None]:
    """(active, since): the value is beyond the limit and has been since `since`, for at least `need_s`."""
    holding = _beyond(rule, value)
    since = (state.since or ts) if holding else None
    return holding and (ts - since).total_seconds() >= need_s, since


def step(rule: Rule, state: State, ts: datetime, value: float) -> tuple[State, bool, dict]:
    """Returns the new state, whether the rule is active after this reading, and what it saw (for messages)."""
    seen: dict = {"value": value}
    kind = rule.kind
    if kind == "threshold":
        # once active, stay active until the value is back inside by the deadband; to become active the value
        # must stay beyond the limit for the on-delay
        if state.active:
            active = _beyond(rule, value, rule.deadband)
            since = state.since if active else None
        else:
            active, since = _held(rule, state, ts, value, need_s=rule.on_delay_s)
        seen["held_s"] = (ts - since).total_seconds() if since else 0.0
        new = replace(state, active=active, since=since)
    elif kind == "duration":
        active, since = _held(rule, state, ts, value, need_s=rule.duration_s)
        seen["held_s"] = (ts - since).total_seconds() if since else 0.0
        new = replace(state, active=active, since=since)
    elif kind == "rate_of_change":
        active = False
        if state.last_ts is not None and ts > state.last_ts:
            rate = (value - state.last_value) / (ts - state.last_ts).total_seconds() * 60.0
            seen["rate_per_min"] = rate
            active = rate > rule.limit if rule.comparison == "above" else rate < -rule.limit
        elif state.last_ts is not None:
            active = state.active
        new = replace(state, active=active)
    elif kind == "ewma":
        lam = rule.params.get("lambda", DRIFT_DEFAULTS["ewma"]["lambda"])
        big_l = rule.params.get("L", DRIFT_DEFAULTS["ewma"]["L"])
        z = state.stat.get("z", rule.target)
        z = lam * value + (1 - lam) * z
        half_width = big_l * rule.sigma * math.sqrt(lam / (2 - lam))  # the asymptotic limits
        signal = abs(z - rule.target) > half_width
        seen.update(ewma=z, limit=half_width)
        new = replace(state, active=signal or state.active, stat={"z": rule.target if signal else z})
        active = new.active
        seen["signal"] = signal
    elif kind == "cusum":
        k = rule.params.get("k", DRIFT_DEFAULTS["cusum"]["k"])
        h = rule.params.get("h", DRIFT_DEFAULTS["cusum"]["h"])
        x = (value - rule.target) / rule.sigma
        hi = max(0.0, state.stat.get("hi", 0.0) + x - k)
        lo = max(0.0, state.stat.get("lo", 0.0) - x - k)
        signal = hi > h or lo > h
        seen.update(cusum_hi=hi, cusum_lo=lo, limit=h)
        new = replace(state, active=signal or state.active,
                      stat={"hi": 0.0, "lo": 0.0} if signal else {"hi": hi, "lo": lo})
        active = new.active
        seen["signal"] = signal
    else:
        raise ValueError(f"unknown rule kind {kind!r}")
    return replace(new, last_ts=ts, last_value=value), active, seen


def run_length_signals(rule: Rule, values: list[float], start: datetime, dt_s: float = 1.0) -> list[int]:
    """Indices where a drift rule signals over a series (the statistic restarts after each signal)."""
    from datetime import timedelta

    state, hits = State(), []
    for i, v in enumerate(values):
        state, _, seen = step(rule, replace(state, active=False), start + timedelta(seconds=i * dt_s), v)
        if seen.get("signal"):
            hits.append(i)
    return hits


def episodes(rules: list[Rule], readings: list[tuple[datetime, float]]) -> list[dict]:
    """A historical pass over one sensor's readings in time order (a late backlog merged with the stored readings
    around it), each rule from a fresh state: the alarm episodes per alarm type, each {alarm_type, opened_at,
    cleared_at (None if still active at the end), rule (the worst active at opening), value, seen}."""
    states = {r.id: State() for r in rules}
    types = sorted({alarm_type(r.kind) for r in rules})
    open_: dict[str, dict] = {}
    out: list[dict] = []
    for ts, value in readings:
        seen_by_rule = {}
        for r in rules:
            states[r.id], _, seen_by_rule[r.id] = step(r, states[r.id], ts, value)
        for a_type in types:
            active = [r for r in rules if alarm_type(r.kind) == a_type and states[r.id].active]
            ep = open_.get(a_type)
            if active and ep is None:
                worst = max(active, key=lambda r: severity_rank(r.severity))
                open_[a_type] = {"alarm_type": a_type, "opened_at": ts, "cleared_at": None, "rule": worst,
                                 "value": value, "seen": seen_by_rule[worst.id]}
            elif active and ep is not None:
                worst = max(active, key=lambda r: severity_rank(r.severity))
                if severity_rank(worst.severity) > severity_rank(ep["rule"].severity):
                    ep.update(rule=worst, value=value, seen=seen_by_rule[worst.id])
            elif not active and ep is not None:
                ep["cleared_at"] = ts
                out.append(open_.pop(a_type))
    return out + list(open_.values())
