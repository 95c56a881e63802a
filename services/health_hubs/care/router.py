"""HTTP endpoints for alerts and referrals."""

import uuid

from fastapi import Query, Request

from services.common.db import SessionDep, utcnow
from services.common.routing import APIRouter
from services.health_hubs.access import StaffOrNurse
from services.health_hubs.audit.schemas import AccessLogEntry
from services.health_hubs.care import followup, service
from services.health_hubs.care.schemas import (
    AlertActionCreate,
    AlertRead,
    AlertResolve,
    CentreToday,
    FollowUpCallCreate,
    FollowUpCallRead,
    FollowUpList,
    OverdueItem,
    ReferralChange,
    ReferralCreate,
    ReferralRead,
    TimelineEvent,
    WorklistItem,
)

router = APIRouter(tags=["alerts", "referrals"])


@router.get("/alerts", response_model=list[AlertRead])
def list_alerts(session: SessionDep, who: StaffOrNurse,
                status: str | None = Query(default=None, pattern="^(open|acknowledged|resolved)$"),
                limit: int = Query(default=100, ge=1, le=500)) -> list[AlertRead]:
    alerts = service.list_alerts(session, actor=who, status=status, limit=limit)
    return [AlertRead(**a) for a in service.alert_views(session, alerts)]


def _view(session, alert) -> AlertRead:
    return AlertRead(**service.alert_views(session, [alert])[0])


@router.post("/alerts/{alert_id}/ack", response_model=AlertRead)
def acknowledge_alert(alert_id: uuid.UUID, session: SessionDep, who: StaffOrNurse) -> AlertRead:
    return _view(session, service.acknowledge(session, alert_id=alert_id, actor=who, now=utcnow()))


@router.post("/alerts/{alert_id}/actions", response_model=AlertRead, status_code=201)
def record_alert_action(alert_id: uuid.UUID, data: AlertActionCreate, session: SessionDep,
                        who: StaffOrNurse) -> AlertRead:
    alert = service.record_action(session, alert_id=alert_id, action=data.action, note=data.note, actor=who,
                                  now=utcnow())
    return _view(session, alert)


@router.post("/alerts/{alert_id}/resolve", response_model=AlertRead)
def resolve_alert(alert_id: uuid.UUID, data: AlertResolve, session: SessionDep, who: StaffOrNurse) -> AlertRead:
    alert = service.resolve(session, alert_id=alert_id, outcome=data.outcome, actor=who, now=utcnow())
    return _view(session, alert)


@router.get("/follow-ups", response_model=FollowUpList)
def follow_ups(session: SessionDep, who: StaffOrNurse, limit: int = Query(default=200, ge=1, le=1000),
               period_days: int = Query(default=90, ge=1, le=366)) -> FollowUpList:
    now = utcnow()
    items = followup.follow_up_list(session, actor=who, now=now, limit=limit)
    return FollowUpList(items=items, **followup.return_to_care(session, actor=who, now=now,
                                                               period_days=period_days))


@router.post("/follow-ups/calls", response_model=FollowUpCallRead, status_code=201)
def record_follow_up_call(data: FollowUpCallCreate, session: SessionDep, who: StaffOrNurse) -> FollowUpCallRead:
    call = followup.record_call(session, resident_id=data.resident_id, list_kind=data.list_kind, result=data.result,
                                note=data.note, actor=who, now=utcnow())
    return FollowUpCallRead(**call.model_dump())


@router.get("/referrals", response_model=list[ReferralRead])
def list_referrals(session: SessionDep, who: StaffOrNurse,
                   status: str | None = Query(default=None, pattern="^(requested|accepted|completed)$"),
                   limit: int = Query(default=100, ge=1, le=500)) -> list[ReferralRead]:
    rows = service.list_referrals(session, actor=who, status=status, limit=limit)
    return [ReferralRead(**r.model_dump()) for r in rows]


@router.get("/referrals/worklist", response_model=list[WorklistItem])
def referral_worklist(session: SessionDep, who: StaffOrNurse,
                      limit: int = Query(default=300, ge=1, le=500)) -> list[WorklistItem]:
    return [WorklistItem(referral=ReferralRead(**f.model_dump()), resident_name=name)
            for f, name in service.referral_worklist(session, actor=who, limit=limit)]


@router.get("/referrals/overdue", response_model=list[OverdueItem])
def overdue_referrals(session: SessionDep, who: StaffOrNurse,
                      limit: int = Query(default=100, ge=1, le=500)) -> list[OverdueItem]:
    now = utcnow()
    return [OverdueItem(referral=ReferralRead(**f.model_dump()), resident_name=r.family_name + r.given_name,
                        phone=r.phone, days_overdue=max(0, (now - f.due_at).days))
            for f, r in service.overdue(session, actor=who, now=now, limit=limit)]


@router.post("/referrals", response_model=ReferralRead, status_code=201)
def create_referral(data: ReferralCreate, request: Request, session: SessionDep, who: StaffOrNurse):
    referral = service.create_referral(session, resident_id=data.resident_id, reason=data.reason, actor=who,
                                       settings=request.app.state.settings, now=utcnow())
    return ReferralRead(**referral.model_dump())


@router.patch("/referrals/{referral_id}", response_model=ReferralRead)
def change_referral(referral_id: uuid.UUID, data: ReferralChange, request: Request, session: SessionDep,
                    who: StaffOrNurse) -> ReferralRead:
    referral = service.change_referral(session, referral_id=referral_id, status=data.status, outcome=data.outcome,
                                       outcome_note=data.outcome_note, visited_on=data.visited_on, actor=who,
                                       settings=request.app.state.settings, now=utcnow())
    return ReferralRead(**referral.model_dump())


@router.get("/centre-today", response_model=CentreToday)
def centre_today(session: SessionDep, who: StaffOrNurse) -> CentreToday:
    return CentreToday(**service.centre_today(session, actor=who, now=utcnow()))


@router.get("/residents/{resident_id}/timeline", response_model=list[TimelineEvent])
def resident_timeline(resident_id: uuid.UUID, session: SessionDep, who: StaffOrNurse) -> list[TimelineEvent]:
    return [TimelineEvent(**e) for e in service.timeline(session, resident_id=resident_id, actor=who)]


@router.get("/residents/{resident_id}/access-log", response_model=list[AccessLogEntry])
def resident_access_log(resident_id: uuid.UUID, session: SessionDep, who: StaffOrNurse,
                        limit: int = Query(default=100, ge=1, le=500)) -> list[AccessLogEntry]:
    rows = service.access_log(session, resident_id=resident_id, actor=who, limit=limit)
    return [AccessLogEntry(at=e.at, actor=f"{e.actor_kind}:{e.actor_id}", actor_role=e.actor_role,
                           actor_place=e.actor_place, action=e.action, entity=e.entity, purpose=e.purpose)
            for e in rows]
