"""The access log: who did what to which record, when and why."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field

from services.health_hubs.models import HealthHubsModel, at_field


class AuditEvent(HealthHubsModel, table=True):
    """Who did what to which record, when and why. Kept two years (job health_hubs.purge_audit)."""

    __tablename__ = "audit_event"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = at_field(index=True)
    actor_kind: str = Field(max_length=8)  # user | device
    actor_id: str = Field(max_length=64, index=True)
    actor_role: str | None = Field(default=None, max_length=24)
    actor_place: str | None = Field(default=None, max_length=20)
    action: str = Field(max_length=12)  # read | search | create | update | export | merge | erase
    entity: str = Field(max_length=24)
    entity_id: str | None = Field(default=None, max_length=64)
    resident_id: uuid.UUID | None = Field(default=None, index=True)
    purpose: str = Field(max_length=80)
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    request_id: str | None = Field(default=None, max_length=64)
