"""Use cases on accounts and devices: create, authenticate, revoke. Flush, never commit."""

import uuid

from sqlmodel import Session, select

from services.common.auth import DeviceKind, Role, hash_password, new_device_key, verify_password
from services.common.errors import Conflict, NotFound, Unauthorized, Unprocessable
from services.common.identity.models import Account, Device

DEVICE_SERVICE = {
    DeviceKind.bus: "transit",
    DeviceKind.enrolment_kiosk: "transit",
    DeviceKind.detector: "transit",
    DeviceKind.health_kiosk: "health_hubs",
    DeviceKind.gateway: "industry",
}

PLACE_REQUIRED = {Role.centre_staff: "centre_id", Role.nurse: "district", Role.partner: "company_id"}


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
    if role not in set(Role):
        raise Unprocessable(f"unknown role {role!r}", code="unknown_role")
    if len(password) < 8:
        raise Unprocessable("password must have at least 8 characters", code="weak_password")
    place_field = PLACE_REQUIRED.get(Role(role))
    if place_field and not {"centre_id": centre_id, "district": district, "company_id": company_id}[place_field]:
        raise Unprocessable(f"role {role} needs {place_field}", code="place_required")
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
