"""Use cases on devices: create one with its key, revoke it, pair a screen by a one-time code. Flush, never
commit."""

import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session

from services.common.auth import DeviceKind, new_device_key
from services.common.errors import Conflict, NotFound, Unauthorized, Unprocessable
from services.identity.devices.domain import DEVICE_SERVICE, PAIRING_ALPHABET, PAIRING_TTL, pairing_hash
from services.identity.devices.models import Device, PairingCode


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

def create_pairing_code(session: Session, *, device_id: str, now: datetime, ttl: timedelta = PAIRING_TTL) -> str:
    """A code of 8 characters (about 39 bits) for this device, shown once, valid `ttl` and once. Redeeming it
    gives the screen a fresh key, so the old one (if any) stops working."""
    device = session.get(Device, device_id)
    if device is None:
        raise NotFound("no such device", code="device_not_found")
    if device.revoked_at is not None:
        raise Conflict("the device is revoked; create a new one", code="device_revoked")
    raw = "".join(secrets.choice(PAIRING_ALPHABET) for _ in range(8))
    session.add(PairingCode(code_hash=pairing_hash(raw), device_id=device_id, expires_at=now + ttl, created_at=now))
    session.flush()
    return f"{raw[:4]}-{raw[4:]}"


def redeem_pairing_code(session: Session, *, code: str, now: datetime) -> tuple[Device, str]:
    """The device and its new key; 401 `pairing_code_invalid` for an unknown, used or expired code or a revoked
    device (one answer for all, so a guesser learns nothing). Used at most once, even by two screens at once."""
    code_hash = pairing_hash(code)
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
