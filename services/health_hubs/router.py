"""HTTP API of the health_hubs service under /v1, and the kiosk screen: the sub-domains' routers in one.

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

from services.common.routing import APIRouter
from services.health_hubs.audit.router import router as audit_router
from services.health_hubs.care.router import router as care_router
from services.health_hubs.centres.router import router as centres_router
from services.health_hubs.fhir.router import router as fhir_router
from services.health_hubs.indicators.router import router as indicators_router
from services.health_hubs.overview.router import router as overview_router
from services.health_hubs.readings.router import router as readings_router
from services.health_hubs.residents.router import router as residents_router
from services.health_hubs.screens import router as screens_router

api = APIRouter(prefix="/v1", tags=["health_hubs"])
for sub in (centres_router, overview_router, audit_router, residents_router, readings_router, care_router,
            indicators_router, fhir_router):
    api.include_router(sub)

router = APIRouter()
router.include_router(api)
router.include_router(screens_router)
