"""`/v1/auth`: sign in for a bearer token, and who am I. Mounted by every service."""

from datetime import datetime
from typing import Annotated

from fastapi import Form, Request
from pydantic import BaseModel
from sqlmodel import Session

from services.common.auth import CurrentPrincipal, issue_token
from services.common.identity.service import authenticate
from services.common.routing import APIRouter

router = APIRouter(prefix="/v1/auth", tags=["auth"])


class TokenRead(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    role: str


class PrincipalRead(BaseModel):
    kind: str
    id: str
    role: str | None
    username: str | None
    centre_id: str | None
    district: str | None
    company_id: str | None
    device_kind: str | None
    place: str | None


@router.post("/token", response_model=TokenRead)
def sign_in(
    request: Request,
    username: Annotated[str, Form(max_length=80)],
    password: Annotated[str, Form(max_length=200)],
) -> TokenRead:
    settings = request.app.state.settings
    with Session(request.app.state.identity_engine) as session:
        account = authenticate(session, username=username, password=password)
    token, expires_at = issue_token(settings.auth_secret, account=account, ttl_s=settings.token_ttl_s)
    return TokenRead(access_token=token, expires_at=expires_at, role=account.role)


@router.get("/me", response_model=PrincipalRead)
def who_am_i(principal: CurrentPrincipal) -> PrincipalRead:
    return PrincipalRead(
        kind=principal.kind,
        id=principal.id,
        role=principal.role,
        username=principal.username,
        centre_id=principal.centre_id,
        district=principal.district,
        company_id=principal.company_id,
        device_kind=principal.device_kind,
        place=principal.place,
    )


