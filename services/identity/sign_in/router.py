"""`/v1/auth/token` (sign in for a bearer token) and `/v1/auth/me` (who am I)."""

from typing import Annotated

from fastapi import Form, Request
from sqlmodel import Session

from services.common.auth import CurrentPrincipal, issue_token
from services.common.errors import Unauthorized
from services.common.routing import APIRouter
from services.identity.accounts.service import authenticate
from services.identity.sign_in.schemas import PrincipalRead, TokenRead
from services.identity.sign_in.service import record_sign_in
from services.identity.sign_in.throttle import client_address, throttle_for, too_many

router = APIRouter()


@router.post("/token", response_model=TokenRead)
def sign_in(
    request: Request,
    username: Annotated[str, Form(max_length=80)],
    password: Annotated[str, Form(max_length=200)],
) -> TokenRead:
    """A bearer token. Failed attempts are counted per account and per client address: past the limits
    (AICITY_SIGNIN_ACCOUNT_LIMITS, AICITY_SIGNIN_ADDRESS_LIMITS) 429 `sign_in_throttled` with Retry-After, even
    with the right password, until the window passes. Every attempt is recorded in the identity database."""
    settings = request.app.state.settings
    address = client_address(request)
    throttle = throttle_for(request)
    with Session(request.app.state.identity_engine, expire_on_commit=False) as session:
        def audit(outcome: str) -> None:
            record_sign_in(session, username=username, address=address, outcome=outcome,
                           service=settings.service_name)
            session.commit()

        wait = throttle.wait(username, address)
        if wait > 0:
            audit("throttled")
            raise too_many(wait)
        try:
            account = authenticate(session, username=username, password=password)
        except Unauthorized:
            throttle.failed(username, address)
            audit("bad_credentials")
            raise
        throttle.succeeded(username)
        audit("ok")
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
