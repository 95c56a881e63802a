"""`GET /v1/audit` and `/v1/audit/review` (admin only): the access log and the monthly access review."""

import uuid
from datetime import datetime

from fastapi import Query

from services.common.db import SessionDep, utcnow
from services.common.errors import Unprocessable
from services.common.routing import APIRouter
from services.health_hubs.access import Admin
from services.health_hubs.audit import service
from services.health_hubs.audit.schemas import AuditRead

router = APIRouter()


@router.get("/audit", response_model=list[AuditRead])
def read_audit(session: SessionDep, _: Admin, resident_id: str | None = None,
               actor_id: str | None = Query(default=None, max_length=64),
               action: str | None = Query(default=None, pattern="^(read|search|create|update|export|merge|erase)$"),
               since: datetime | None = None, until: datetime | None = None,
               limit: int = Query(default=200, ge=1, le=5000)) -> list[AuditRead]:
    try:
        rid = uuid.UUID(resident_id) if resident_id else None
    except ValueError:
        raise Unprocessable("resident_id must be a UUID", code="invalid_resident_id") from None
    rows = service.list_audit(session, resident_id=rid, actor_id=actor_id, action=action, since=since, until=until,
                              limit=limit)
    return [AuditRead(**r.model_dump()) for r in rows]


@router.get("/audit/review")
def audit_review(session: SessionDep, _: Admin, since: datetime | None = None,
                 until: datetime | None = None) -> dict:
    """Events per actor and action (default: the last 30 days), for the monthly access review."""
    return service.review(session, since=since, until=until, now=utcnow())
