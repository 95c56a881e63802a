"""Response shapes of the access log: the admin's view of an event, and a resident's access log."""

from datetime import datetime

from pydantic import BaseModel


class AccessLogEntry(BaseModel):
    """One access to a resident's record: who, when, what and why."""

    at: datetime
    actor: str
    actor_role: str | None
    actor_place: str | None
    action: str
    entity: str
    purpose: str


class AuditRead(BaseModel):
    id: int
    at: datetime
    actor_kind: str
    actor_id: str
    actor_role: str | None
    actor_place: str | None
    action: str
    entity: str
    entity_id: str | None
    resident_id: object | None
    purpose: str
    detail: dict
    request_id: str | None
