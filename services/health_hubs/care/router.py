"""HTTP endpoints for alerts and referrals."""

import uuid

from fastapi import Query, Request

from services.common.db import SessionDep, utcnow
from services.common.routing import APIRouter
from services.health_hubs.access import RECORD_ROLES, Actor, actor
from services.health_hubs.care import service
from services.health_hubs.schemas import (
    AlertRead,
    AlertResolve,
    OverdueItem,
    ReferralChange,
    ReferralCreate,
    ReferralRead,
)

router = APIRouter(tags=["alerts", "referrals"])
People = actor(roles=RECORD_ROLES)


@router.get("/alerts", response_model=list[AlertRead])
def list_alerts(session: SessionDep, who: Actor = People,
                status: str | None = Query(default=None, pattern="^(open|acknowledged|resolved)$"),
                limit: int = Query(default=100, ge=1, le=500)) -> list[AlertRead]:
    return [AlertRead(**a.model_dump()) for a in service.list_alerts(session, actor=who, status=status, limit=limit)]


@router.post("/alerts/{alert_id}/ack", response_model=AlertRead)
def acknowledge_alert(alert_id: uuid.UUID, session: SessionDep, who: Actor = People) -> AlertRead:
    return AlertRead(**service.acknowledge(session, alert_id=alert_id, actor=who, now=utcnow()).model_dump())


@router.post("/alerts/{alert_id}/resolve", response_model=AlertRead)
def resolve_alert(alert_id: uuid.UUID, data: AlertResolve, session: SessionDep, who: Actor = People) -> AlertRead:
    alert = service.resolve(session, alert_id=alert_id, outcome=data.outcome, actor=who, now=utcnow())
    return AlertRead(**alert.model_dump())


@router.get("/referrals", response_model=list[ReferralRead])
def list_referrals(session: SessionDep, who: Actor = People,
                   status: str | None = Query(default=None, pattern="^(requested|accepted|completed)$"),
                   limit: int = Query(default=100, ge=1, le=500)) -> list[ReferralRead]:
    rows = service.list_referrals(session, actor=who, status=status, limit=limit)
    return [ReferralRead(**r.model_dump()) for r in rows]


@router.get("/referrals/overdue", response_model=list[OverdueItem])
def overdue_referrals(session: SessionDep, who: Actor = People,
                      limit: int = Query(default=100, ge=1, le=500)) -> list[OverdueItem]:
    now = utcnow()
    return [OverdueItem(referral=ReferralRead(**f.model_dump()), resident_name=r.family_name + r.given_name,
                        phone=r.phone, days_overdue=max(0, (now - f.due_at).days))
            for f, r in service.overdue(session, actor=who, now=now, limit=limit)]


@router.post("/referrals", response_model=ReferralRead, status_code=201)
def create_referral(data: ReferralCreate, request: Request, session: SessionDep, who: Actor = People):
    referral = service.create_referral(session, resident_id=data.resident_id, reason=data.reason, actor=who,
                                       settings=request.app.state.settings, now=utcnow())
    return ReferralRead(**referral.model_dump())


@router.patch("/referrals/{referral_id}", response_model=ReferralRead)
def change_referral(referral_id: uuid.UUID, data: ReferralChange, request: Request, session: SessionDep,
                    who: Actor = People) -> ReferralRead:
    referral = service.change_referral(session, referral_id=referral_id, status=data.status, outcome=data.outcome,
                                       outcome_note=data.outcome_note, actor=who,
                                       settings=request.app.state.settings, now=utcnow())
    return ReferralRead(**referral.model_dump())
