"""Use cases of hazardous-work permits: request with pre-entry gas, open only on suitable air, count entries and
exits, close only with nobody inside. Flush only."""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from services.common.auth import Principal
from services.common.errors import Conflict, NotFound, Unprocessable
from services.industry.access import can_see_site
from services.industry.assets.models import Site
from services.industry.safety import domain, service
from services.industry.safety.models import GasDetector, Permit, PermitMovement, SafetyAlarm

# Art. 619-2 asks for measurement before entry; a reading older than this is not "before entry" any more.
PRE_ENTRY_MAX_AGE = timedelta(minutes=30)


def _who(principal: Principal) -> str:
    return principal.username or principal.id


def request_permit(session: Session, *, data, principal: Principal, now: datetime) -> Permit:
    service.visible_site(session, site_id=data.site_id, principal=principal)
    if data.kind not in domain.PERMIT_KINDS:
        raise Unprocessable(f"kind must be one of {', '.join(domain.PERMIT_KINDS)}", code="unknown_permit_kind")
    if data.kind == "confined_space" and not data.detector_id:
        # the space's gas is watched live while the permit is open: no detector, no confined-space permit
        raise Unprocessable("a confined-space permit names the detector watching the space",
                            code="detector_required")
    if data.detector_id:
        det = session.get(GasDetector, data.detector_id)
        if det is None or det.site_id != data.site_id:
            raise NotFound("no such detector at this site", code="detector_not_found")
    if data.pre_entry_at > now + timedelta(minutes=5):
        raise Unprocessable("pre-entry measurement is in the future", code="future_timestamp")
    permit = Permit(site_id=data.site_id, kind=data.kind, space=data.space, detector_id=data.detector_id,
                    work=data.work, attendant=data.attendant, issued_by=_who(principal),
                    pre_entry=data.pre_entry.model_dump(), pre_entry_at=data.pre_entry_at, requested_at=now)
    session.add(permit)
    session.flush()
    return permit


def visible_permit(session: Session, *, permit_id: int, principal: Principal, lock: bool = False) -> Permit:
    query = select(Permit).where(Permit.id == permit_id)
    if lock:
        query = query.with_for_update()
    permit = session.execute(query).scalars().first()
    if permit is None:
        raise NotFound("no such permit", code="permit_not_found")
    service.visible_site(session, site_id=permit.site_id, principal=principal)
    return permit


def _open_gas_alarms(session: Session, detector_id: str | None) -> list[SafetyAlarm]:
    if not detector_id:
        return []
    return list(session.execute(select(SafetyAlarm).where(
        SafetyAlarm.detector_id == detector_id, SafetyAlarm.kind.in_(("gas", "stale", "no_data", "sensor_error")),
        SafetyAlarm.open_slot == "open")).scalars())


def open_permit(session: Session, *, permit_id: int, principal: Principal, now: datetime) -> Permit:
    """Opens the permit when the pre-entry air is suitable, recent, and the space's detector has no open alarm."""
    permit = visible_permit(session, permit_id=permit_id, principal=principal, lock=True)
    if permit.status != "pending":
        raise Conflict(f"permit is {permit.status}", code="permit_not_pending")
    limits = service.site_limits(session, site_id=permit.site_id)
    required = ("o2", "co", "h2s", "co2") if permit.kind == "confined_space" else ("o2", "lel")
    problems = domain.unsuitable(permit.pre_entry, limits, required=required)
    if now - permit.pre_entry_at > PRE_ENTRY_MAX_AGE:
        problems.append({"problem": "measurement_too_old", "measured_at": permit.pre_entry_at.isoformat()})
    problems += [{"problem": "detector_alarm", "alarm_id": a.id, "cause": a.cause, "message": a.message}
                 for a in _open_gas_alarms(session, permit.detector_id)]
    if problems:
        raise Conflict({"message": "air is not suitable for entry", "problems": problems}, code="unsuitable_air")
    permit.status, permit.opened_at = "open", now
    session.add(permit)
    session.flush()
    return permit


def move(session: Session, *, permit_id: int, person: str, direction: str, principal: Principal,
         now: datetime) -> Permit:
    permit = visible_permit(session, permit_id=permit_id, principal=principal, lock=True)
    if permit.status != "open":
        raise Conflict(f"permit is {permit.status}", code="permit_not_open")
    if direction == "in":
        alarms = [a for a in _open_gas_alarms(session, permit.detector_id)]
        if alarms:
            raise Conflict({"message": "the space has an open gas or detector alarm",
                            "alarms": [a.message for a in alarms]}, code="space_alarm_open")
    inside, error = domain.movement(list(permit.inside), person=person, direction=direction)
    if error:
        raise Conflict(f"{person} is {'already' if error == 'already_inside' else 'not'} inside", code=error)
    permit.inside = inside
    if direction == "in":
        permit.entries += 1
    else:
        permit.exits += 1
    session.add(permit)
    session.add(PermitMovement(permit_id=permit.id, person=person, direction=direction, at=now))
    session.flush()
    return permit


def close_permit(session: Session, *, permit_id: int, principal: Principal, now: datetime) -> Permit:
    permit = visible_permit(session, permit_id=permit_id, principal=principal, lock=True)
    if permit.status == "closed":
        raise Conflict("permit is already closed", code="permit_closed")
    if permit.inside:
        raise Conflict({"message": "people are still inside", "inside": list(permit.inside),
                        "entries": permit.entries, "exits": permit.exits}, code="people_inside")
    permit.status, permit.closed_at = "closed", now
    session.add(permit)
    session.flush()
    return permit


def list_permits(session: Session, *, principal: Principal, status: str | None, site_id: str | None) -> list[Permit]:
    query = select(Permit).order_by(Permit.id.desc()).limit(500)
    if status:
        query = query.where(Permit.status == status)
    if site_id:
        query = query.where(Permit.site_id == site_id)
    sites = {s.id: s for s in session.execute(select(Site)).scalars()}
    return [p for p in session.execute(query).scalars()
            if can_see_site(principal, site_id=p.site_id, company_id=sites[p.site_id].company_id)]


def permit_view(session: Session, permit: Permit) -> dict:
    return {**permit.model_dump(), "people_inside": len(permit.inside),
            "gas": service.live_gas(session, detector_id=permit.detector_id) if permit.detector_id else []}
