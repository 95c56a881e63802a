"""The service's scope plumbing: who is calling (Actor, with the purpose for the audit log), which roles and devices
an endpoint admits, and which residents and rows a caller may see (role, place, sharing consent). Every sub-domain's
router and service uses it, so it sits at the top of the service, as talent_academy/access.py and industry/access.py
do; the audit log it feeds is audit/."""

import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from sqlalchemy import func
from sqlmodel import Session, select

from services.common.auth import CurrentPrincipal, DeviceKind, Principal, Role, admit, check_place
from services.common.errors import Forbidden
from services.health_hubs.residents.models import Consent, Resident

RECORD_ROLES = (Role.centre_staff, Role.nurse)  # and admin; officials see aggregates only
AGGREGATE_ROLES = (Role.official, Role.centre_staff, Role.nurse)


@dataclass(frozen=True)
class Actor:
    """The caller of a request, with why they are asking (X-Purpose header) for the audit log."""

    principal: Principal
    purpose: str | None
    request_id: str | None

    @property
    def id(self) -> str:
        return self.principal.id

    @property
    def label(self) -> str:
        p = self.principal
        return f"{p.kind}:{p.username or p.id}"


def acting(*, roles: tuple[str, ...] = (), devices: tuple[str, ...] = ()) -> Any:
    """The service's permission aliases: `common.auth.admit` decides who passes (people of `roles` and admins,
    devices of `devices`); the caller comes back as an Actor carrying the X-Purpose header for the audit log, and an
    official refused a record route is told 403 `aggregates_only` (they see figures, never records)."""
    check = admit(roles=roles, devices=devices)

    def dependency(
        request: Request, principal: CurrentPrincipal,
        x_purpose: str | None = Header(default=None, max_length=80),
    ) -> Actor:
        try:
            check(request, principal)
        except Forbidden:
            if principal.kind == "user" and principal.role == Role.official:
                raise Forbidden("officials see aggregates only", code="aggregates_only") from None
            raise
        return Actor(principal, x_purpose, getattr(request.state, "request_id", None))

    return Annotated[Actor, Depends(dependency)]


# Each alias is named after exactly whom it admits (admins pass wherever a role does).
StaffOrNurse = acting(roles=RECORD_ROLES)
OfficialStaffOrNurse = acting(roles=AGGREGATE_ROLES)
OfficialStaffNurseOrKiosk = acting(roles=AGGREGATE_ROLES, devices=(DeviceKind.health_kiosk,))
KioskOrAdmin = acting(roles=(Role.admin,), devices=(DeviceKind.health_kiosk,))
Official = acting(roles=(Role.official,))
Admin = acting(roles=(Role.admin,))


def current_consents(session: Session, resident_id: uuid.UUID) -> dict[str, Consent]:
    rows = session.exec(select(Consent).where(Consent.resident_id == resident_id).order_by(Consent.id)).all()
    return {row.kind: row for row in rows}  # the newest per kind wins


def has_consent(session: Session, resident_id: uuid.UUID, kind: str) -> bool:
    consent = current_consents(session, resident_id).get(kind)
    return bool(consent and consent.granted)


def check_resident_access(session: Session, actor: Actor, resident: Resident) -> None:
    """Staff: their centre's residents; nurses: their district's, if the resident agreed to share with the
    보건소; admins: any; officials: none (they never reach here)."""
    p = actor.principal
    check_place(p, centre_id=resident.centre_id, district=resident.district)
    if p.kind == "user" and p.role == Role.nurse and not has_consent(session, resident.id, "share_public_health"):
        raise Forbidden("the resident has not agreed to share with the public health centre",
                        code="no_sharing_consent")


def place_filter(actor: Actor, centre_col, district_col):
    """A WHERE clause limiting a listing to the caller's place (None: no limit)."""
    p = actor.principal
    if p.kind == "device":
        return centre_col == p.place
    if p.role == Role.centre_staff:
        return centre_col == p.centre_id
    if p.role == Role.nurse:
        return district_col == p.district
    return None


def sharing_residents():
    """Residents whose newest share_public_health consent is a yes (a nurse sees only them)."""
    newest = select(func.max(Consent.id)).where(Consent.kind == "share_public_health").group_by(Consent.resident_id)
    return select(Consent.resident_id).where(Consent.id.in_(newest), Consent.granted.is_(True))


def in_scope(query, actor: Actor, *, centre, district, resident=None):
    """The listing narrowed to what the caller may see: their place (place_filter) and, given the listing's
    resident column, for a nurse only residents who share with the public health centre."""
    scope = place_filter(actor, centre, district)
    if scope is not None:
        query = query.where(scope)
    if resident is not None and actor.principal.kind == "user" and actor.principal.role == Role.nurse:
        query = query.where(resident.in_(sharing_residents()))
    return query
