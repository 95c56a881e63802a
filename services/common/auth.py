"""Who is calling: bearer tokens for people, API keys for devices, and role/place checks as dependencies."""

import hashlib
import hmac
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Protocol

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, Request

from services.common.errors import Forbidden, Unauthorized

TOKEN_ALGORITHM = "HS256"
TOKEN_ISSUER = "aicity"
DEVICE_KEY_PREFIX = "aicd_"

_hasher = PasswordHasher()


class Role(StrEnum):
    admin = "admin"
    official = "official"
    centre_staff = "centre_staff"
    nurse = "nurse"
    academy_staff = "academy_staff"
    partner = "partner"


class DeviceKind(StrEnum):
    bus = "bus"
    enrolment_kiosk = "enrolment_kiosk"
    detector = "detector"
    health_kiosk = "health_kiosk"
    gateway = "gateway"


# ---- passwords -------------------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# ---- principals ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Principal:
    """The caller of one request: a person with a role and place, or a device of one service."""

    kind: str  # "user" | "device"
    id: str
    role: str | None = None
    centre_id: str | None = None
    district: str | None = None
    company_id: str | None = None
    device_kind: str | None = None
    service: str | None = None
    place: str | None = None
    username: str | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    token_version: int = 0

    @property
    def is_device(self) -> bool:
        return self.kind == "device"

    def has_role(self, *roles: str) -> bool:
        return self.kind == "user" and self.role in roles


# ---- tokens ----------------------------------------------------------------------------------------------


def issue_token(secret: str, *, account, ttl_s: int, now: datetime | None = None) -> tuple[str, datetime]:
    now = now or datetime.now(UTC)
    expires_at = now + timedelta(seconds=ttl_s)
    claims = {
        "iss": TOKEN_ISSUER,
        "sub": str(account.id),
        "name": account.username,
        "role": account.role,
        "centre_id": account.centre_id,
        "district": account.district,
        "company_id": account.company_id,
        "ver": int(getattr(account, "token_version", 0) or 0),
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, secret, algorithm=TOKEN_ALGORITHM), expires_at


def verify_token(secret: str, token: str) -> Principal:
    try:
        claims = jwt.decode(
            token, secret, algorithms=[TOKEN_ALGORITHM], issuer=TOKEN_ISSUER, options={"require": ["exp", "sub"]}
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("token expired", code="token_expired") from None
    except jwt.PyJWTError:
        raise Unauthorized("invalid token", code="invalid_token") from None
    if claims.get("role") not in set(Role):
        raise Unauthorized("invalid token", code="invalid_token")
    return Principal(
        kind="user",
        id=claims["sub"],
        role=claims["role"],
        centre_id=claims.get("centre_id"),
        district=claims.get("district"),
        company_id=claims.get("company_id"),
        username=claims.get("name"),
        token_version=claims.get("ver", 0) if isinstance(claims.get("ver", 0), int) else -1,
    )


# ---- the account behind a token, read again every few seconds ----------------------------------------------


@dataclass(frozen=True)
class AccountState:
    id: str
    username: str
    role: str
    centre_id: str | None
    district: str | None
    company_id: str | None
    disabled: bool
    token_version: int


@dataclass(frozen=True)
class DeviceState:
    id: str
    name: str
    kind: str
    service: str
    place: str | None
    key_hash: str
    revoked: bool


class Directory(Protocol):
    """Where auth reads the accounts and devices it checks credentials against. This module never imports the
    identity package: `services.identity.app` gives each app its directory (`app.state.directory`)."""

    def account(self, account_id: str) -> AccountState | None: ...

    def device(self, device_id: str) -> DeviceState | None: ...


class AccountCache:
    """The accounts' current state as the identity database has it, each kept at most `ttl_s` seconds: a
    disabled account, a new role or place (each raises the token version) reach every service within that."""

    MAX_ENTRIES = 20_000

    def __init__(self, ttl_s: float, clock=time.monotonic):
        self.ttl_s, self.clock = ttl_s, clock
        self._entries: dict[str, tuple[float, AccountState | None]] = {}
        self._lock = threading.Lock()

    def get(self, directory: "Directory", account_id: str) -> AccountState | None:
        now = self.clock()
        with self._lock:
            hit = self._entries.get(account_id)
        if hit is not None and hit[0] > now:
            return hit[1]
        state = directory.account(account_id)
        with self._lock:
            if len(self._entries) >= self.MAX_ENTRIES:
                self._entries.clear()
            self._entries[account_id] = (now + self.ttl_s, state)
        return state


def confirm_account(state: AccountState | None, token: Principal) -> Principal:
    """The token's caller as the account is now: 401 if it no longer exists, is disabled, or changed since the
    token was issued (its version is older). Role and place come from the account, not the token."""
    if state is None:
        raise Unauthorized("invalid token", code="invalid_token")
    if state.disabled:
        raise Unauthorized("account disabled", code="account_disabled")
    if state.token_version != token.token_version:
        raise Unauthorized("token revoked: the account changed; sign in again", code="token_revoked")
    return Principal(kind="user", id=state.id, role=state.role, centre_id=state.centre_id, district=state.district,
                     company_id=state.company_id, username=state.username, token_version=state.token_version)


def _account_cache(app_state) -> AccountCache:
    cache = getattr(app_state, "account_cache", None)
    if cache is None:
        cache = AccountCache(float(getattr(app_state.settings, "account_cache_s", 2.0)))
        app_state.account_cache = cache
    return cache


# ---- device keys -----------------------------------------------------------------------------------------


def new_device_key(device_id: str) -> tuple[str, str]:
    """Returns (the key shown once, its stored hash). Keys are random, so a keyed SHA-256 suffices."""
    secret = secrets.token_urlsafe(32)
    return f"{DEVICE_KEY_PREFIX}{device_id}.{secret}", device_key_hash(secret)


def device_key_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_device_key(key: str) -> tuple[str, str] | None:
    if not key.startswith(DEVICE_KEY_PREFIX) or "." not in key:
        return None
    device_id, _, secret = key[len(DEVICE_KEY_PREFIX) :].partition(".")
    return (device_id, secret) if device_id and secret else None


def verify_device_key(directory: Directory, key: str) -> Principal:
    parsed = parse_device_key(key)
    if parsed is None:
        raise Unauthorized("invalid device key", code="invalid_device_key")
    device_id, secret = parsed
    row = directory.device(device_id)
    if row is None or not hmac.compare_digest(row.key_hash, device_key_hash(secret)):
        raise Unauthorized("invalid device key", code="invalid_device_key")
    if row.revoked:
        raise Unauthorized("device key revoked", code="device_revoked")
    return Principal(
        kind="device", id=row.id, device_kind=row.kind, service=row.service, place=row.place, username=row.name
    )


# ---- dependencies ----------------------------------------------------------------------------------------


def _credentials(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.headers.get("x-device-key") or None


def current_principal(request: Request) -> Principal:
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    credential = _credentials(request)
    if not credential:
        raise Unauthorized("credentials required", code="not_authenticated")
    app_state = request.app.state
    if credential.startswith(DEVICE_KEY_PREFIX):
        principal = verify_device_key(app_state.directory, credential)
        if principal.service != app_state.settings.service_name:
            raise Forbidden("device belongs to another service", code="wrong_service")
    else:
        token = verify_token(app_state.settings.auth_secret, credential)
        principal = confirm_account(_account_cache(app_state).get(app_state.directory, token.id), token)
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def _limit_device(request: Request, principal: Principal) -> None:
    from services.common.ratelimit import check_device_rate  # imports this module

    check_device_rate(request, principal)


def admit(*, roles: tuple[str, ...] = (), devices: tuple[str, ...] = ()):
    """The one permission check, as a dependency returning the principal: people with one of `roles` (and admins
    whenever any role is admitted) or devices of one of `devices` (each device held to its request rate); anyone
    else 403 `wrong_role`. A device-only route admits no person, not even an admin, unless `Role.admin` is named."""
    people = frozenset(roles) | ({Role.admin} if roles else set())
    kinds = frozenset(devices)

    def dependency(request: Request, principal: CurrentPrincipal) -> Principal:
        if principal.kind == "device":
            if principal.device_kind in kinds:
                _limit_device(request, principal)
                return principal
        elif principal.role in people:
            return principal
        raise Forbidden("not allowed for this caller", code="wrong_role")

    return dependency


def allow(*, roles: tuple[str, ...] = (), devices: tuple[str, ...] = ()) -> Any:
    """The permission vocabulary: an `Annotated` alias for the callers `admit` lets through, named after them in
    each service's access module (`Official = allow(roles=(Role.official,))`, then `def f(who: Official)`). Name an
    alias after exactly whom it admits (admins, always admitted with any role, go unnamed)."""
    return Annotated[Principal, Depends(admit(roles=roles, devices=devices))]


def check_place(principal: Principal, *, centre_id: str | None = None, district: str | None = None) -> None:
    """Raise 403 unless the caller's place covers the record's place. Admins and officials are not
    place-bound here; services decide separately whether officials see records at all."""
    if principal.kind == "device":
        if centre_id is not None and principal.place != centre_id:
            raise Forbidden("device of another place", code="wrong_place")
        return
    if principal.role in (Role.admin,):
        return
    if principal.role == Role.centre_staff:
        if centre_id is None or principal.centre_id != centre_id:
            raise Forbidden("record of another centre", code="wrong_place")
    elif principal.role == Role.nurse:
        if district is None or principal.district != district:
            raise Forbidden("record of another district", code="wrong_place")
