"""Shared limits, built on the `limits` library (moving windows): the per-device rate on device endpoints (a stuck
kiosk or a stolen key must not flood a service) and the sign-in throttle (services/identity/sign_in/throttle.py).

With AICITY_REDIS_URL the windows live in Redis, so every uvicorn worker and every service counts the same
requests; without it each process keeps its own (with N workers a device may then reach N times the rate)."""

import math
import os
import time

from fastapi import Request
from limits import RateLimitItem, RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from services.common.auth import CurrentPrincipal, Principal
from services.common.errors import DomainError, TooManyRequests

DEFAULT_RATE_PER_S = 20.0  # sustained requests per second per caller
DEFAULT_BURST = 200  # a kiosk's backlog after an outage, sent as fast as it can
KEY_PREFIX = "aicity"


class LimitsUnavailable(DomainError):
    status_code = 503
    code = "service_busy"


def make_limiter(redis_url: str = "") -> MovingWindowRateLimiter:
    """A moving-window limiter on Redis (shared) or in this process."""
    if redis_url:
        storage = storage_from_string(redis_url, key_prefix=KEY_PREFIX, socket_timeout=2, socket_connect_timeout=2)
    else:
        storage = storage_from_string("memory://")
    return MovingWindowRateLimiter(storage)


def app_limiter(state) -> MovingWindowRateLimiter:
    limiter = getattr(state, "limiter", None)
    if limiter is None:
        settings = getattr(state, "settings", None)
        limiter = make_limiter(getattr(settings, "redis_url", "") or "")
        state.limiter = limiter
    return limiter


def hit_or_wait(limiter: MovingWindowRateLimiter, item: RateLimitItem, *key: str) -> float:
    """Counts one request; 0 if it fits the window, else the seconds until the window admits another.
    An unreachable Redis is 503 (closed, never open: a limit that silently stops counting protects nothing)."""
    try:
        if limiter.hit(item, *key):
            return 0.0
        stats = limiter.get_window_stats(item, *key)
    except Exception as exc:  # redis.ConnectionError, TimeoutError ... from the storage
        raise LimitsUnavailable("the service is busy; retry shortly", headers={"Retry-After": "2"}) from exc
    return max(0.01, stats.reset_time - time.time())


class DeviceLimit:
    """`burst` requests in any window of burst/rate seconds: the burst at once, then `rate_per_s` sustained."""

    def __init__(self, limiter: MovingWindowRateLimiter, *, rate_per_s: float, burst: int):
        if rate_per_s <= 0 or burst < 1:
            raise ValueError("rate_per_s must be > 0 and burst >= 1")
        self.limiter = limiter
        self.item = RateLimitItemPerSecond(burst, max(1, math.ceil(burst / rate_per_s)))

    def take(self, key: str) -> float:
        return hit_or_wait(self.limiter, self.item, "device", key)


def _device_limit(request: Request) -> DeviceLimit:
    state = request.app.state
    limit = getattr(state, "device_rate_bucket", None)
    if limit is None:
        settings = getattr(state, "settings", None)
        rate = getattr(settings, "device_rate_per_s", None) or os.environ.get("AICITY_DEVICE_RATE_PER_S")
        burst = getattr(settings, "device_burst", None) or os.environ.get("AICITY_DEVICE_BURST")
        limit = DeviceLimit(app_limiter(state), rate_per_s=float(rate or DEFAULT_RATE_PER_S),
                            burst=int(burst or DEFAULT_BURST))
        state.device_rate_bucket = limit
    return limit


def check_device_rate(request: Request, principal: Principal) -> None:
    """429 `rate_limited` (with Retry-After) once a device has spent its burst; people pass untouched (their
    sign-in has its own throttle). Called by every device check in services.common.auth.
    Settings (or AICITY_DEVICE_RATE_PER_S / AICITY_DEVICE_BURST) may set the rate and the burst."""
    if principal.is_device:
        wait = _device_limit(request).take(principal.id)
        if wait > 0:
            raise TooManyRequests({"message": "too many requests from this device", "retry_after_s": round(wait, 2)},
                                  code="rate_limited", headers={"Retry-After": str(math.ceil(wait))})


def device_rate_limit():
    """The same check as a dependency, for a route that admits devices without services.common.auth.admit."""

    def dependency(request: Request, principal: CurrentPrincipal) -> Principal:
        check_device_rate(request, principal)
        return principal

    return dependency
