"""Use cases on accounts and devices: create, authenticate, revoke. Flush, never commit."""

import hashlib
import re
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from services.common.auth import DeviceKind, Role, hash_password, new_device_key, verify_password
from services.common.errors import Conflict, NotFound, Unauthorized, Unprocessable
from services.common.identity.models import Account, Device, PairingCode, SignInEvent

DEVICE_SERVICE = {
    DeviceKind.bus: "transit",
    DeviceKind.enrolment_kiosk: "transit",
    DeviceKind.detector: "transit",
    DeviceKind.health_kiosk: "health_hubs",
    DeviceKind.gateway: "industry",
}

PLACE_REQUIRED = {Role.centre_staff: "centre_id", Role.nurse: "district", Role.partner: "company_id"}


def _check_place(role: str, *, centre_id, district, company_id) -> None:
    if role not in set(Role):
        raise Unprocessable(f"unknown role {role!r}", code="unknown_role")
    place_field = PLACE_REQUIRED.get(Role(role))
    if place_field and not {"centre_id": centre_id, "district": district, "company_id": company_id}[place_field]:
        raise Unprocessable(f"role {role} needs {place_field}", code="place_required")


def create_account(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    centre_id: str | None = None,
    district: str | None = None,
    company_id: str | None = None,
) -> Account:
    _check_place(role, centre_id=centre_id, district=district, company_id=company_id)
    if len(password) < 8:
        raise Unprocessable("password must have at least 8 characters", code="weak_password")
    if session.exec(select(Account).where(Account.username == username)).first():
        raise Conflict(f"username {username!r} is taken", code="username_taken")
    account = Account(
        id=str(uuid.uuid4()),
        username=username,
        password_hash=hash_password(password),
        role=role,
        display_name=display_name or username,
        centre_id=centre_id,
        district=district,
        company_id=company_id,
    )
    session.add(account)
    session.flush()
    return account


def authenticate(session: Session, *, username: str, password: str) -> Account:
    account = session.exec(select(Account).where(Account.username == username)).first()
    if account is None or account.disabled_at is not None or not verify_password(account.password_hash, password):
        raise Unauthorized("wrong username or password", code="bad_credentials")
    return account


def find_account(session: Session, username: str) -> Account:
    account = session.exec(select(Account).where(Account.username == username)).first()
    if account is None:
        raise NotFound("no such account", code="account_not_found")
    return account


def disable_account(session: Session, *, username: str, now) -> Account:
    """Signs the account out everywhere: its tokens stop working on every service within the account cache's
    seconds (AICITY_ACCOUNT_CACHE_S), and it cannot sign in."""
    account = find_account(session, username)
    if account.disabled_at is None:
        account.disabled_at = now
    account.token_version += 1
    session.add(account)
    session.flush()
    return account


def enable_account(session: Session, *, username: str) -> Account:
    account = find_account(session, username)
    account.disabled_at = None
    session.add(account)
    session.flush()
    return account


def change_account(session: Session, *, username: str, role: str | None = None, centre_id: str | None = None,
                   district: str | None = None, company_id: str | None = None) -> Account:
    """A new role or place. Tokens issued before carry the old ones, so they are revoked (version raised)."""
    account = find_account(session, username)
    new_role = role or account.role
    new_place = {"centre_id": centre_id if centre_id is not None else account.centre_id,
                 "district": district if district is not None else account.district,
                 "company_id": company_id if company_id is not None else account.company_id}
    new_place = {k: (v or None) for k, v in new_place.items()}  # "" clears a place
    _check_place(new_role, **new_place)
    if (new_role, *new_place.values()) != (account.role, account.centre_id, account.district, account.company_id):
        account.role = new_role
        account.centre_id, account.district, account.company_id = new_place.values()
        account.token_version += 1
        session.add(account)
        session.flush()
    return account


def record_sign_in(session: Session, *, username: str, address: str, outcome: str, service: str) -> None:
    session.add(SignInEvent(username=username[:80], address=address[:64], outcome=outcome, service=service[:32]))
    session.flush()


def create_device(session: Session, *, name: str, kind: str, place: str | None = None) -> tuple[Device, str]:
    """Returns the device and its key; the key is shown once and only its hash is kept."""
    if kind not in set(DeviceKind):
        raise Unprocessable(f"unknown device kind {kind!r}", code="unknown_device_kind")
    device_id = uuid.uuid4().hex[:16]
    key, key_hash = new_device_key(device_id)
    device = Device(id=device_id, name=name, kind=kind, service=DEVICE_SERVICE[DeviceKind(kind)], place=place,
                    key_hash=key_hash)
    session.add(device)
    session.flush()
    return device, key


def revoke_device(session: Session, *, device_id: str, now) -> Device:
    device = session.get(Device, device_id)
    if device is None:
        raise NotFound("no such device", code="device_not_found")
    if device.revoked_at is None:
        device.revoked_at = now
        session.add(device)
        session.flush()
    return device


# ---- pairing: a screen is provisioned by a one-time code typed at it, never by a key in its address ----------

PAIRING_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L, U: read aloud and typed on a kiosk
PAIRING_TTL = timedelta(minutes=10)


def _pairing_hash(code: str) -> str:
    normal = re.sub(r"[^A-Z0-9]", "", code.upper())
    return hashlib.sha256(f"pairing:{normal}".encode()).hexdigest()


def create_pairing_code(session: Session, *, device_id: str, now: datetime, ttl: timedelta = PAIRING_TTL) -> str:
    """A code of 8 characters (about 39 bits) for this device, shown once, valid `ttl` and once. Redeeming it
    gives the screen a fresh key, so the old one (if any) stops working."""
    device = session.get(Device, device_id)
    if device is None:
        raise NotFound("no such device", code="device_not_found")
    if device.revoked_at is not None:
        raise Conflict("the device is revoked; create a new one", code="device_revoked")
    raw = "".join(secrets.choice(PAIRING_ALPHABET) for _ in range(8))
    session.add(PairingCode(code_hash=_pairing_hash(raw), device_id=device_id, expires_at=now + ttl, created_at=now))
    session.flush()
    return f"{raw[:4]}-{raw[4:]}"


def redeem_pairing_code(session: Session, *, code: str, now: datetime) -> tuple[Device, str]:
    """The device and its new key; 401 `pairing_code_invalid` for an unknown, used or expired code or a revoked
    device (one answer for all, so a guesser learns nothing). Used at most once, even by two screens at once."""
    code_hash = _pairing_hash(code)
    claimed = session.execute(update(PairingCode).where(
        PairingCode.code_hash == code_hash, PairingCode.used_at.is_(None), PairingCode.expires_at > now,
    ).values(used_at=now)).rowcount
    pairing = session.get(PairingCode, code_hash) if claimed == 1 else None
    device = session.get(Device, pairing.device_id) if pairing else None
    if device is None or device.revoked_at is not None:
        raise Unauthorized("unknown, used or expired pairing code", code="pairing_code_invalid")
    key, key_hash = new_device_key(device.id)
    device.key_hash = key_hash
    session.add(device)
    session.flush()
    return device, key
