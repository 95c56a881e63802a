"""Pure rules of the kiosk sync protocol (README "Sync protocol"): which version of a record wins, when a device
time is believable, and how a malformed item is named. No database, no clock: `now` is passed in.

Sources: Simple's sync (simpledotorg/simple-server, "sync" API: the device makes each record's id, the newest
device time wins, a deletion is a tombstone, each record answers for itself); the windows are programme policy
set as settings (HEALTH_HUBS_DEVICE_FUTURE_WINDOW_S, _PAST_WINDOW_DAYS, _CLOCK_BEHIND_S)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

# Stable codes of a device time the service will not store without a person's confirmation.
CLOCK_CODES = ("device_clock_ahead", "device_clock_behind", "device_time_in_future", "device_time_too_old")

# Pydantic field -> the code the plausibility rules use for the same value (a systolic of 1200 answers
# implausible_systolic, as 301 does).
_RANGE_CODES = {"systolic": "implausible_systolic", "diastolic": "implausible_diastolic",
                "map_mmhg": "implausible_map", "pulse_bpm": "implausible_pulse", "glucose_mg_dl": "implausible_glucose"}


@dataclass(frozen=True)
class ClockWindow:
    future: timedelta  # how far ahead of the server a device time may be
    past: timedelta  # how old a reading may be when it arrives (an offline backlog)
    behind: timedelta  # how far behind the server the device's own clock may be (X-Device-Time)

    @classmethod
    def of(cls, settings) -> "ClockWindow":
        return cls(future=timedelta(seconds=settings.device_future_window_s),
                   past=timedelta(days=settings.device_past_window_days),
                   behind=timedelta(seconds=settings.device_clock_behind_s))


def clock_verdict(*, measured_at: datetime, edited_at: datetime, now: datetime, skew_s: float | None,
                  window: ClockWindow) -> str | None:
    """None when the device times are believable, else the code of the quarantine reason. `skew_s` is the
    device clock minus the server clock when the device sent its clock (positive: ahead)."""
    if skew_s is not None:
        if skew_s > window.future.total_seconds():
            return "device_clock_ahead"
        if skew_s < -window.behind.total_seconds():
            return "device_clock_behind"
    if max(measured_at, edited_at) > now + window.future:
        return "device_time_in_future"
    if measured_at < now - window.past:
        return "device_time_too_old"  # a backlog older than the window, or a reset clock (1970)
    return None


def suggested_time(measured_at: datetime, *, skew_s: float | None, received_at: datetime) -> datetime | None:
    """What staff are offered when they confirm a quarantined reading: the device time less the measured skew,
    or the time it arrived when it claims to come from the future; None: keep the device time."""
    if skew_s is not None:
        return measured_at - timedelta(seconds=skew_s)
    if measured_at > received_at:
        return received_at
    return None


def winners(items: list[tuple[int, object]], edited_at) -> tuple[dict, dict]:
    """Several versions of one client_id in a batch: the newest device time wins (a deletion wins a tie, then the
    later position). Returns ({client_id: (index, item)} of winners, {index: client_id} of the others)."""
    best: dict = {}
    for index, item in items:
        key = (edited_at(item), bool(getattr(item, "deleted", False)), index)
        cid = item.client_id
        if cid not in best or key > best[cid][0]:
            best[cid] = (key, index, item)
    win = {cid: (index, item) for cid, (_, index, item) in best.items()}
    losers = {index: item.client_id for index, item in items if win[item.client_id][0] != index}
    return win, losers


def item_error(errors: list[dict]) -> tuple[str, str]:
    """(stable code, detail) of the first validation error of one batch item."""
    err = errors[0]
    loc = [str(p) for p in err.get("loc", ())]
    where = ".".join(loc) or "item"
    detail = f"{where}: {err.get('msg', 'invalid')}"
    field = loc[-1] if loc else ""
    if field in ("measured_at", "updated_at") and "time zone" in str(err.get("msg", "")):
        return "naive_datetime", detail
    if err.get("type") == "missing":
        return "missing_field", detail
    if err.get("type") == "extra_forbidden":
        return "unknown_field", detail
    if field in _RANGE_CODES and err.get("type") in ("less_than_equal", "greater_than_equal"):
        return _RANGE_CODES[field], detail
    return "invalid_field", detail
