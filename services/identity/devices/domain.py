"""Rules on devices: which service each kind belongs to, and how a pairing code is written and hashed."""

import hashlib
import re
from datetime import timedelta

from services.common.auth import DeviceKind

DEVICE_SERVICE = {
    DeviceKind.bus: "transit",
    DeviceKind.enrolment_kiosk: "transit",
    DeviceKind.detector: "transit",
    DeviceKind.health_kiosk: "health_hubs",
    DeviceKind.gateway: "industry",
}

PAIRING_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L, U: read aloud and typed on a kiosk
PAIRING_TTL = timedelta(minutes=10)


def pairing_hash(code: str) -> str:
    """The stored form of a code: hyphens, spaces and case do not matter when it is typed back."""
    normal = re.sub(r"[^A-Z0-9]", "", code.upper())
    return hashlib.sha256(f"pairing:{normal}".encode()).hexdigest()
