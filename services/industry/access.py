"""Who may read and write what: officials see everything, partners their company's sites, gateways their site."""

from services.common.auth import Principal, Role, require_any, require_roles
from services.common.errors import Forbidden

readers = require_roles(Role.official, Role.partner)
officials = require_roles(Role.official)
operators = require_any(roles=(Role.official, Role.partner), devices=("gateway",))
admins = require_roles(Role.admin)


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
