"""HTTP API of the health_hubs service under /v1, and the kiosk screen.

Kiosk contract (the kiosk web page; auth: the kiosk's device key, `Authorization: Bearer aicd_...` or
`X-Device-Key`; a kiosk is a `health_kiosk` device whose place is its centre id, e.g. "C001"):

1. `POST /v1/kiosk/identify` `{"token": "<card or QR text>"}` -> 200
   `{"resident_id", "display_name" (given name), "initials" ("김OO"), "centre_id", "can_measure"}`;
   404 `unknown_token` for an unknown or revoked card. `can_measure` is false without health-data consent:
   show "please see the staff" and do not measure.
2. `POST /v1/readings` with
   `{"client_id": "<uuid made by the kiosk>", "resident_id", "kind": "bp" | "glucose",
     "measured_at": "<aware ISO time>",
     "bp": [{"systolic", "diastolic", "map_mmhg"?, "pulse_bpm"?, "flags": ["body_movement" | "cuff_loose" |
            "irregular_pulse" | ...]}, ...]                                   (kind bp: every measurement of the sitting)
     "glucose_mg_dl", "meal_context": "fasting" | "postprandial" | "random", "sample_type"?, "meter_seq"?}
                                                                              (kind glucose)`
   -> 201 (first time) or 200 with `"replayed": true` (same client_id again: same answer, nothing new):
   `{"category", "rule_version", "systolic", "diastolic", "pulse_bpm", "glucose_mg_dl", "protocol_complete",
     "next_step": {"code": "none" | "remeasure" | "see_nurse" | "see_nurse_today" | "eat_sugar_tell_staff" |
                   "call_119", "ko": "...", "en": "..."}, "alert_id"}`.
   Show `next_step.ko` / `.en` as given: plain words, never a diagnosis. `alert_id` set means the centre's staff
   have been alerted. Errors (422 unless said): `implausible_systolic`, `implausible_diastolic`,
   `systolic_below_diastolic`, `implausible_pulse`, `implausible_glucose`, `control_solution_sample`,
   `no_valid_measurement`, `bp_missing`, `glucose_missing`, 404 `resident_not_found`,
   409 `consent_required`, 409 `client_id_taken`, 410 `resident_erased` (the record was erased on request:
   drop the reading, do not retry; in a batch the item is `rejected` with that error).
3. `POST /v1/readings/batch` `{"items": [<reading as above> + "updated_at"? (device time of the last edit),
   "deleted"? (bool)]}` -> 200 `{"results": [{"client_id", "outcome": created | updated | deleted | unchanged |
   stale | ignored_deleted | quarantined | rejected, "index", "error", "category", "quarantine_id"}], "counts"}`:
   an offline backlog; each item answers for itself, the newest device time wins and a deleted record is never
   revived. A device time outside the windows is quarantined for staff (202 `{"quarantined": true, ...}` to a
   single reading); send the kiosk's clock in `X-Device-Time`. The whole protocol: README "Sync protocol".

People endpoints (bearer token): residents, consents, cards, duplicates and merge (centre_staff of the
resident's centre, nurse of its district with sharing consent, admin), readings, FHIR export, alerts, referrals;
aggregates (`/indicators`, `/overview`: officials too); `/audit` (admin). Every record access is audited;
send `X-Purpose` to say why.
"""

from datetime import datetime, timedelta

from fastapi import Query, Request
from pydantic import BaseModel

from services.common.auth import Role
from services.common.db import SessionDep, utcnow
from services.common.overview import Overview
from services.common.routing import APIRouter
from services.health_hubs.access import (
    AGGREGATE_ROLES,
    Actor,
    actor,
    audit_summary,
    list_audit,
    oldest_audit_event,
)
from services.health_hubs.care.router import router as care_router
from services.health_hubs.centres import all_centres
from services.health_hubs.fhir.router import router as fhir_router
from services.health_hubs.indicators.router import router as indicators_router
from services.health_hubs.overview import overview as health_overview
from services.health_hubs.readings.router import router as readings_router
from services.health_hubs.readings.rules import rule_set, rules_as_dict
from services.health_hubs.residents.router import router as residents_router
from services.health_hubs.screens import router as screens_router

router = APIRouter()
api = APIRouter(prefix="/v1", tags=["health_hubs"])


class CentreRead(BaseModel):
    id: str
    name: str
    name_ko: str
    district: str
    lat: float
    lon: float


@api.get("/centres", response_model=list[CentreRead])
def list_centres(_: Actor = actor(roles=AGGREGATE_ROLES, devices=("health_kiosk",)),
                 district: str | None = None) -> list[CentreRead]:
    return [CentreRead(**vars(c)) for c in all_centres().values() if not district or c.district == district]


@api.get("/rules")
def active_rules(request: Request, _: Actor = actor(roles=AGGREGATE_ROLES)) -> dict:
    """The active classification rule set with its sources."""
    return rules_as_dict(rule_set(request.app.state.settings.rules_version))


@api.get("/overview", response_model=Overview)
def overview(request: Request, session: SessionDep,
             who: Actor = actor(roles=(Role.official,))) -> Overview:
    return health_overview(session, principal=who.principal,
                           rules=rule_set(request.app.state.settings.rules_version), now=utcnow())


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


Admin = actor(roles=())  # admin only


@api.get("/audit", response_model=list[AuditRead])
def read_audit(session: SessionDep, _: Actor = Admin, resident_id: str | None = None,
               actor_id: str | None = Query(default=None, max_length=64),
               action: str | None = Query(default=None, pattern="^(read|search|create|update|export|merge|erase)$"),
               since: datetime | None = None, until: datetime | None = None,
               limit: int = Query(default=200, ge=1, le=5000)) -> list[AuditRead]:
    import uuid

    from services.common.errors import Unprocessable

    try:
        rid = uuid.UUID(resident_id) if resident_id else None
    except ValueError:
        raise Unprocessable("resident_id must be a UUID", code="invalid_resident_id") from None
    rows = list_audit(session, resident_id=rid, actor_id=actor_id, action=action, since=since, until=until,
                      limit=limit)
    return [AuditRead(**r.model_dump()) for r in rows]


@api.get("/audit/review")
def audit_review(session: SessionDep, _: Actor = Admin, since: datetime | None = None,
                 until: datetime | None = None) -> dict:
    """Events per actor and action (default: the last 30 days), for the monthly access review."""
    until = until or utcnow()
    since = since or until - timedelta(days=30)
    oldest = oldest_audit_event(session)
    return {"since": since, "until": until, "oldest_event_at": oldest,
            "actors": audit_summary(session, since=since, until=until)}


api.include_router(residents_router)
api.include_router(readings_router)
api.include_router(care_router)
api.include_router(indicators_router)
api.include_router(fhir_router)
# (endpoints are added to `api` above this line)
router.include_router(api)
router.include_router(screens_router)
