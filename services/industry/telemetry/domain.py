"""Pure rules of telemetry: checking each reading of a batch, and Sparkplug B sequence numbers."""

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

SPARKPLUG_SEQ_MODULUS = 256  # Sparkplug B: seq runs 0..255 and wraps


@dataclass(frozen=True)
class SensorRef:
    id: int
    min_valid: float | None
    max_valid: float | None


@dataclass(frozen=True)
class ItemError:
    index: int
    sensor: str | None
    code: str
    detail: str

    def as_dict(self) -> dict:
        return {"index": self.index, "sensor": self.sensor, "code": self.code, "detail": self.detail}


def finite_number(raw) -> float | None:
    """The value as a finite float, or None: not a number, a boolean, NaN, +/-Infinity, or an integer too large
    for a float (a 401-digit integer raises OverflowError in float() and math.isfinite())."""
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None
    try:
        value = float(raw)
    except OverflowError:
        return None
    return value if math.isfinite(value) else None


def parse_ts(raw) -> datetime:
    """An ISO 8601 instant with its offset, or epoch milliseconds (as gateways and Sparkplug send them)."""
    if isinstance(raw, bool):
        raise ValueError("timestamp must be ISO 8601 text or epoch milliseconds")
    if isinstance(raw, int | float):
        if finite_number(raw) is None:
            raise ValueError("timestamp is not finite")
        return datetime.fromtimestamp(raw / 1000.0, UTC)
    if isinstance(raw, str):
        ts = datetime.fromisoformat(raw)
        if ts.tzinfo is None:
            raise ValueError("timestamp has no UTC offset")
        return ts.astimezone(UTC)
    raise ValueError("timestamp must be ISO 8601 text or epoch milliseconds")


def check_readings(
    items: list, *, sensors: dict[str, SensorRef], now: datetime, max_age_s: int, future_skew_s: int
) -> tuple[list[dict], list[ItemError]]:
    """Splits a batch into rows to store ({sensor_id, ts, value}, in the batch's order) and per-item errors.
    One bad item never spoils the others."""
    rows: list[dict] = []
    errors: list[ItemError] = []
    oldest = now - timedelta(seconds=max_age_s)
    newest = now + timedelta(seconds=future_skew_s)
    seen: set[tuple[int, datetime]] = set()
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            errors.append(ItemError(index, None, "not_an_object", "each reading is an object"))
            continue
        tag = item.get("sensor")
        if not isinstance(tag, str):
            errors.append(ItemError(index, None, "sensor_missing", "'sensor' (the sensor's tag) is required"))
            continue
        ref = sensors.get(tag)
        if ref is None:
            errors.append(ItemError(index, tag, "unknown_sensor", "no sensor with this tag at the gateway's site"))
            continue
        value = finite_number(item.get("value"))
        if value is None:
            errors.append(ItemError(index, tag, "bad_value", "'value' must be a finite number"))
            continue
        if (ref.min_valid is not None and value < ref.min_valid) or (
            ref.max_valid is not None and value > ref.max_valid
        ):
            errors.append(ItemError(index, tag, "implausible_value",
                                    f"{value} outside [{ref.min_valid}, {ref.max_valid}]"))
            continue
        try:
            ts = parse_ts(item.get("ts"))
        except (ValueError, OverflowError, OSError) as exc:
            errors.append(ItemError(index, tag, "bad_timestamp", str(exc)))
            continue
        if ts > newest:
            errors.append(ItemError(index, tag, "timestamp_in_future", f"{ts.isoformat()} is ahead of the server"))
            continue
        if ts < oldest:
            errors.append(ItemError(index, tag, "timestamp_too_old", f"older than {max_age_s} s"))
            continue
        key = (ref.id, ts)
        if key in seen:
            continue  # the same reading twice in one batch: one row
        seen.add(key)
        rows.append({"sensor_id": ref.id, "ts": ts, "value": float(value)})
    return rows, errors


def hour_start(ts: datetime) -> datetime:
    return ts.replace(minute=0, second=0, microsecond=0)


def check_sequence(last_seq: int | None, seq: int) -> tuple[str, int]:
    """Sparkplug B: each message of a node carries seq = previous + 1 (mod 256).
    Returns ("ok" | "duplicate" | "gap" | "first", messages missed)."""
    if last_seq is None:
        return "first", 0
    expected = (last_seq + 1) % SPARKPLUG_SEQ_MODULUS
    if seq == expected:
        return "ok", 0
    if seq == last_seq:
        return "duplicate", 0
    return "gap", (seq - expected) % SPARKPLUG_SEQ_MODULUS
