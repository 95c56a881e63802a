"""Devices of the suite (buses, kiosks, detectors, gateways) with their hashed keys, and screens' pairing codes."""

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field

from services.common.db import UTCDateTime, utcnow
from services.identity.models import IdentityModel


class Device(IdentityModel, table=True):
    id: str = Field(primary_key=True, max_length=36)
    name: str = Field(max_length=120)
    kind: str = Field(max_length=32)
    service: str = Field(max_length=32, index=True)
    place: str | None = Field(default=None, max_length=64)
    key_hash: str = Field(max_length=64)
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class PairingCode(IdentityModel, table=True):
    """A one-time code that provisions a screen: staff read it from `aicity device pair`, type it at the screen,
    and the screen exchanges it (POST /v1/auth/pair) for a fresh device key it keeps and sends in a header. Only
    the code's hash is kept; it expires within minutes and works once."""

    __tablename__ = "pairing_code"
    code_hash: str = Field(primary_key=True, max_length=64)
    device_id: str = Field(max_length=36, index=True)
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
