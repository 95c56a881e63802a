"""Tables of the identity database: accounts (people) and devices (buses, kiosks, detectors, gateways)."""

from datetime import datetime

from sqlalchemy import Column, Integer
from sqlmodel import Field, SQLModel

from services.common.db import UTCDateTime, new_registry, utcnow


class IdentityModel(SQLModel, registry=new_registry()):
    pass


class Account(IdentityModel, table=True):
    id: str = Field(primary_key=True, max_length=36)
    username: str = Field(unique=True, index=True, max_length=80)
    password_hash: str
    role: str = Field(max_length=32)
    display_name: str = Field(default="", max_length=120)
    centre_id: str | None = Field(default=None, max_length=64)
    district: str | None = Field(default=None, max_length=64)
    company_id: str | None = Field(default=None, max_length=64)
    disabled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # Raised whenever the account is disabled or its role or place changes: tokens carry the version they were
    # issued under, and every service refuses an older one (within AICITY_ACCOUNT_CACHE_S).
    token_version: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class SignInEvent(IdentityModel, table=True):
    """Every failed or refused sign-in (and every success), for the audit: who was tried, from where, when."""

    __tablename__ = "sign_in_event"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True))
    username: str = Field(max_length=80, index=True)
    address: str = Field(default="", max_length=64, index=True)
    outcome: str = Field(max_length=24)  # ok | bad_credentials | throttled
    service: str = Field(default="", max_length=32)


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
