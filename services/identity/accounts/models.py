"""People who sign in: username, argon2 hash, role and place, and the version their tokens carry."""

from datetime import datetime

from sqlalchemy import Column, Integer
from sqlmodel import Field

from services.common.db import UTCDateTime, utcnow
from services.identity.models import IdentityModel


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
