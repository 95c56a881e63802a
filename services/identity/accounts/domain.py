"""Rules on accounts: which roles exist and the place each role must be bound to."""

from services.common.auth import Role
from services.common.errors import Unprocessable

PLACE_REQUIRED = {Role.centre_staff: "centre_id", Role.nurse: "district", Role.partner: "company_id"}
MIN_PASSWORD_CHARS = 8


def check_role_and_place(role: str, *, centre_id, district, company_id) -> None:
    """422 `unknown_role`, or `place_required` when the role is bound to a place the account lacks."""
    if role not in set(Role):
        raise Unprocessable(f"unknown role {role!r}", code="unknown_role")
    place_field = PLACE_REQUIRED.get(Role(role))
    if place_field and not {"centre_id": centre_id, "district": district, "company_id": company_id}[place_field]:
        raise Unprocessable(f"role {role} needs {place_field}", code="place_required")


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise Unprocessable(f"password must have at least {MIN_PASSWORD_CHARS} characters", code="weak_password")
