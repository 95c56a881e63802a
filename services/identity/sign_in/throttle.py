"""Sign-in throttling: failed attempts counted per account and per client address in moving windows (`limits`,
shared through Redis when AICITY_REDIS_URL is set). Past the short window's count a sign-in answers 429 with
Retry-After; past the long window's (the lockout) it stays 429 until the oldest failure leaves that window, even
with the right password. A success clears the account's count, never the address's."""

import math
import time

from fastapi import Request
from limits import RateLimitItem, parse_many
from limits.strategies import MovingWindowRateLimiter

from services.common.errors import TooManyRequests
from services.common.ratelimit import LimitsUnavailable, app_limiter


class SignInThrottle:
    def __init__(self, limiter: MovingWindowRateLimiter, *, account_limits: str, address_limits: str):
        self.limiter = limiter
        self.account: list[RateLimitItem] = parse_many(account_limits)
        self.address: list[RateLimitItem] = parse_many(address_limits)

    def _keys(self, username: str, address: str):
        yield from ((item, ("signin-account", username.lower())) for item in self.account)
        yield from ((item, ("signin-address", address)) for item in self.address)

    def wait(self, username: str, address: str) -> float:
        """Seconds until this account may try again from this address (0: now)."""
        longest = 0.0
        try:
            for item, key in self._keys(username, address):
                stats = self.limiter.get_window_stats(item, *key)
                if stats.remaining <= 0:
                    longest = max(longest, stats.reset_time - time.time())
        except Exception as exc:  # redis.ConnectionError, TimeoutError ... from the storage
            raise LimitsUnavailable("the service is busy; retry shortly", headers={"Retry-After": "2"}) from exc
        return longest if longest > 0 else 0.0

    def failed(self, username: str, address: str) -> None:
        try:
            for item, key in self._keys(username, address):
                self.limiter.hit(item, *key)
        except Exception as exc:
            raise LimitsUnavailable("the service is busy; retry shortly", headers={"Retry-After": "2"}) from exc

    def address_wait(self, address: str) -> float:
        """Seconds until this address may try again, by its failures alone (pairing codes have no account)."""
        try:
            stats = [self.limiter.get_window_stats(item, "signin-address", address) for item in self.address]
        except Exception as exc:
            raise LimitsUnavailable("the service is busy; retry shortly", headers={"Retry-After": "2"}) from exc
        return max([s.reset_time - time.time() for s in stats if s.remaining <= 0] or [0.0])

    def address_failed(self, address: str) -> None:
        try:
            for item in self.address:
                self.limiter.hit(item, "signin-address", address)
        except Exception as exc:
            raise LimitsUnavailable("the service is busy; retry shortly", headers={"Retry-After": "2"}) from exc

    def succeeded(self, username: str) -> None:
        for item in self.account:
            self.limiter.clear(item, "signin-account", username.lower())


def throttle_for(request: Request) -> SignInThrottle:
    state = request.app.state
    throttle = getattr(state, "sign_in_throttle", None)
    if throttle is None:
        settings = state.settings
        throttle = SignInThrottle(app_limiter(state), account_limits=settings.signin_account_limits,
                                  address_limits=settings.signin_address_limits)
        state.sign_in_throttle = throttle
    return throttle


def client_address(request: Request) -> str:
    """The peer address as uvicorn gives it (behind a proxy, run uvicorn with --proxy-headers and
    --forwarded-allow-ips so this is the client, not the proxy)."""
    return (request.client.host if request.client else "") or "unknown"


def too_many(wait_s: float) -> TooManyRequests:
    seconds = max(1, math.ceil(wait_s))
    return TooManyRequests({"message": "too many failed sign-ins; wait before trying again",
                            "retry_after_s": seconds}, code="sign_in_throttled", headers={"Retry-After": str(seconds)})
