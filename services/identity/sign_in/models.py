"""The sign-in audit: every attempt, its outcome, from where."""

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field

from services.common.db import UTCDateTime, utcnow
from services.identity.models import IdentityModel


class SignInEvent(IdentityModel, table=True):
    """Every failed or refused sign-in (and every success), for the audit: who was tried, from where, when."""

    __tablename__ = "sign_in_event"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True))
    username: str = Field(max_length=80, index=True)
    address: str = Field(default="", max_length=64, index=True)
    outcome: str = Field(max_length=24)  # ok | bad_credentials | throttled
    service: str = Field(default="", max_length=32)
