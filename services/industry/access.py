"""Who may read and write what: officials see everything, partners their company's sites, gateways their site."""

from services.common.auth import DeviceKind, Principal, Role, allow
from services.common.errors import Forbidden

# Each alias is named after exactly the callers it admits (admins always pass where a role does); the site or
# company a partner or gateway may touch is checked by the services (can_see_site).
OfficialOrPartner = allow(roles=(Role.official, Role.partner))
Official = allow(roles=(Role.official,))
OfficialPartnerOrGateway = allow(roles=(Role.official, Role.partner), devices=(DeviceKind.gateway,))
Gateway = allow(devices=(DeviceKind.gateway,))
Admin = allow(roles=(Role.admin,))


def can_see_site(principal: Principal, *, site_id: str, company_id: str | None) -> bool:
    if principal.kind == "device":
        return principal.place == site_id
    if principal.role in (Role.admin, Role.official):
        return True
    if principal.role == Role.partner:
        return company_id is not None and principal.company_id == company_id
    return False


def check_site(principal: Principal, *, site_id: str, company_id: str | None) -> None:
    if not can_see_site(principal, site_id=site_id, company_id=company_id):
        raise Forbidden("asset of another site or company", code="wrong_place")
