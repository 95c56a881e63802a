"""A per-caller token bucket as a FastAPI dependency, for device endpoints (a stuck kiosk or a stolen key must not
flood a service). The buckets live in the process: with N uvicorn workers a device may reach N times the rate,
which is the accepted bound (documented in docs/SECURITY.md); a shared limit would need a database round trip on
every device request."""

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from fastapi import Request

from services.common.auth import CurrentPrincipal, Principal
from services.common.errors import TooManyRequests

DEFAULT_RATE_PER_S = 20.0  # sustained requests per second per caller
DEFAULT_BURST = 200  # a kiosk's backlog after an outage, sent as fast as it can
MAX_TRACKED = 50_000  # callers remembered; the least recently seen are forgotten first


class TokenBucket:
    """Buckets by key: `burst` tokens, refilled at `rate_per_s`; take() answers 0 or the seconds to wait."""

    def __init__(self, *, rate_per_s: float, burst: int, clock: Callable[[], float] = time.monotonic):
        if rate_per_s <= 0 or burst < 1:
            raise ValueError("rate_per_s must be > 0 and burst >= 1")
        self.rate_per_s, self.burst, self.clock = rate_per_s, burst, clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str, cost: float = 1.0) -> float:
        with self._lock:
            now = self.clock()
            tokens, seen = self._buckets.pop(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - seen) * self.rate_per_s)
            if tokens >= cost:
                self._buckets[key] = (tokens - cost, now)
                wait = 0.0
            else:
                self._buckets[key] = (tokens, now)
                wait = (cost - tokens) / self.rate_per_s
            while len(self._buckets) > MAX_TRACKED:
                self._buckets.popitem(last=False)
            return wait


def _bucket(request: Request, clock: Callable[[], float]) -> TokenBucket:
    state = request.app.state
    bucket = getattr(state, "device_rate_bucket", None)
    if bucket is None:
        settings = getattr(state, "settings", None)
        rate = getattr(settings, "device_rate_per_s", None) or os.environ.get("AICITY_DEVICE_RATE_PER_S")
        burst = getattr(settings, "device_burst", None) or os.environ.get("AICITY_DEVICE_BURST")
        bucket = TokenBucket(rate_per_s=float(rate or DEFAULT_RATE_PER_S), burst=int(burst or DEFAULT_BURST),
                             clock=clock)
        state.device_rate_bucket = bucket
    return bucket


def check_device_rate(request: Request, principal: Principal, clock: Callable[[], float] = time.monotonic) -> None:
    """429 `rate_limited` once a device has spent its burst; people pass untouched (their endpoints are reached
    through sign-in, whose cost argon2 already bounds). Called by every device check in services.common.auth.
    Settings (or AICITY_DEVICE_RATE_PER_S / AICITY_DEVICE_BURST) may set the rate and the burst."""
    if principal.is_device:
        wait = _bucket(request, clock).take(f"device:{principal.id}")
        if wait > 0:
            raise TooManyRequests({"message": "too many requests from this device", "retry_after_s": round(wait, 2)},
                                  code="rate_limited")


def device_rate_limit(*, clock: Callable[[], float] = time.monotonic):
    """The same check as a dependency, for a route that admits devices without require_device/require_any."""

    def dependency(request: Request, principal: CurrentPrincipal) -> Principal:
        check_device_rate(request, principal, clock)
        return principal

    return dependency
