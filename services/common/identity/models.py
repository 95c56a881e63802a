"""Tables of the identity database: accounts (people) and devices (buses, kiosks, detectors, gateways)."""

from datetime import datetime

from sqlalchemy import Column
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
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class Device(IdentityModel, table=True):
    id: str = Field(primary_key=True, max_length=36)
    name: str = Field(max_length=120)
    kind: str = Field(max_length=32)
    service: str = Field(max_length=32, index=True)
    place: str | None = Field(default=None, max_length=64)
    key_hash: str = Field(max_length=64)
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
