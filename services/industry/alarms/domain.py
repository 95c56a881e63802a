"""Pure alarm rules: threshold, duration and rate-of-change, and drift detection by EWMA and CUSUM.

Each rule steps through a sensor's readings in time order: `step(rule, state, ts, value) -> (state, active)`.
The alarm opens when a rule becomes active, holds while it stays active, and clears when every rule of that
type on the sensor is inactive again. Drift rules signal once and restart their statistic; their alarm is
cleared by a person (after maintenance), not by the data."""

import math
from dataclasses import dataclass, field, replace
from datetime import datetime

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


def step(rule: Rule, state: State, ts: datetime, value: float) -> tuple[State, bool, dict]:
    """Returns the new state, whether the rule is active after this reading, and what it saw (for messages)."""
    seen: dict = {"value": value}
    kind = rule.kind
    if kind == "threshold":
        # once active, stay active until the value is back inside by the deadband
        active = _beyond(rule, value, rule.deadband) if state.active else _beyond(rule, value)
        new = replace(state, active=active)
    elif kind == "duration":
        holding = _beyond(rule, value)
        since = (state.since or ts) if holding else None
        active = holding and (ts - since).total_seconds() >= rule.duration_s
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
