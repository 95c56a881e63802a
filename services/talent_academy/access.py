"""Who may do what in the academy: role dependencies shared by the subdomain routers."""

from services.common.auth import Principal, Role, allow
from services.common.errors import Forbidden

# Academy staff manage everything; partners act for their own company only; officials read the catalogue and
# aggregates. Learners are records, not accounts: a learner's own application ("self") is made by staff or an
# API client with the learner's id (source=self); the suite's enrolment_kiosk devices belong to transit.
# Each alias is named after exactly the roles it admits (admins always pass).
AcademyStaff = allow(roles=(Role.academy_staff,))
StaffOrPartner = allow(roles=(Role.academy_staff, Role.partner))
StaffPartnerOrOfficial = allow(roles=(Role.academy_staff, Role.partner, Role.official))
OfficialOrStaff = allow(roles=(Role.official, Role.academy_staff))
Official = allow(roles=(Role.official,))


def partner_company(principal: Principal) -> str | None:
    """The company a partner acts for (None for staff and devices)."""
    if principal.has_role(Role.partner):
        if not principal.company_id:
            raise Forbidden("partner account without a company", code="wrong_place")
        return principal.company_id
    return None


def sees_company(principal: Principal | None, company_id: str | None) -> bool:
    """Whether the caller may see a record of this company: staff (and the service itself) see every company, a
    partner its own. Reads use it so that another company's record is simply not found (404 reveals nothing)."""
    own = partner_company(principal) if principal is not None else None
    return own is None or own == company_id


def check_company(principal: Principal, company_id: str) -> None:
    own = partner_company(principal)
    if own is not None and own != company_id:
        raise Forbidden("record of another company", code="wrong_place")


def audit_read(session, principal: Principal, action: str, learner_ids, **detail) -> None:
    """One access-log row per learner whose record the caller is shown, in the request's own transaction
    (the read and its trail commit together). Learner records are personal data (PIPA art. 29)."""
    from services.talent_academy.enrolment.models import LearnerAccess

    for learner_id in dict.fromkeys(learner_ids):  # each learner once per request, in order
        session.add(LearnerAccess(actor_id=str(principal.id)[:64], actor_role=principal.role or principal.device_kind,
                                  actor_company=principal.company_id, action=action, learner_id=learner_id,
                                  detail=detail))
    session.flush()
