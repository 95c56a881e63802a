"""Response shapes of the access log."""

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
