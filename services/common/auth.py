"""Who is calling: bearer tokens for people, API keys for devices, and role/place checks as dependencies."""

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, Request
from sqlalchemy import select

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
    )


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


def verify_device_key(identity_engine, key: str) -> Principal:
    from services.common.identity.models import Device

    parsed = parse_device_key(key)
    if parsed is None:
        raise Unauthorized("invalid device key", code="invalid_device_key")
    device_id, secret = parsed
    with identity_engine.connect() as conn:
        row = conn.execute(select(Device.__table__).where(Device.__table__.c.id == device_id)).first()
    if row is None or not hmac.compare_digest(row.key_hash, device_key_hash(secret)):
        raise Unauthorized("invalid device key", code="invalid_device_key")
    if row.revoked_at is not None:
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
        principal = verify_device_key(app_state.identity_engine, credential)
        if principal.service != app_state.settings.service_name:
            raise Forbidden("device belongs to another service", code="wrong_service")
    else:
        principal = verify_token(app_state.settings.auth_secret, credential)
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: str):
    """A dependency that admits people with one of `roles` (admin always) and returns the principal."""

    def dependency(principal: CurrentPrincipal) -> Principal:
        if principal.kind != "user" or (principal.role not in roles and principal.role != Role.admin):
            raise Forbidden(f"requires role {' or '.join(roles)}", code="wrong_role")
        return principal

    return dependency


def _limit_device(request: Request, principal: Principal) -> None:
    from services.common.ratelimit import check_device_rate  # imports this module

    check_device_rate(request, principal)


def require_device(*kinds: str):
    """A dependency that admits devices of the given kinds."""

    def dependency(request: Request, principal: CurrentPrincipal) -> Principal:
        if principal.kind != "device" or principal.device_kind not in kinds:
            raise Forbidden(f"requires a {' or '.join(kinds)} device", code="wrong_role")
        _limit_device(request, principal)
        return principal

    return dependency


def require_any(*, roles: tuple[str, ...] = (), devices: tuple[str, ...] = ()):
    """A dependency that admits people with one of `roles` (admin always) or devices of `devices`."""

    def dependency(request: Request, principal: CurrentPrincipal) -> Principal:
        if principal.kind == "device":
            if principal.device_kind in devices:
                _limit_device(request, principal)
                return principal
        elif principal.role in roles or principal.role == Role.admin:
            return principal
        raise Forbidden("not allowed for this caller", code="wrong_role")

    return dependency


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
