"""`/v1/auth`: sign in for a bearer token, and who am I. Mounted by every service."""

from datetime import datetime
from typing import Annotated

from fastapi import Form, Request
from pydantic import BaseModel
from sqlmodel import Session

from services.common.auth import CurrentPrincipal, issue_token
from services.common.db import utcnow
from services.common.errors import Unauthorized
from services.common.identity.service import authenticate, record_sign_in, redeem_pairing_code
from services.common.identity.throttle import client_address, throttle_for, too_many
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


class PairingRead(BaseModel):
    device_id: str
    device_key: str
    kind: str
    service: str
    place: str | None


@router.post("/pair", response_model=PairingRead)
def pair(request: Request, code: Annotated[str, Form(min_length=4, max_length=20)]) -> PairingRead:
    """A screen exchanges the one-time code staff typed at it (`aicity device pair DEVICE_ID`) for its device
    key, keeps the key on the device and sends it in a header from then on: no key ever travels in an address.
    401 `pairing_code_invalid` for an unknown, used or expired code; wrong codes count against the client
    address like failed sign-ins (429 `sign_in_throttled` with Retry-After)."""
    address = client_address(request)
    throttle = throttle_for(request)
    wait = throttle.address_wait(address)
    if wait > 0:
        raise too_many(wait)
    with Session(request.app.state.identity_engine, expire_on_commit=False) as session:
        try:
            device, key = redeem_pairing_code(session, code=code, now=utcnow())
        except Unauthorized:
            session.rollback()
            throttle.address_failed(address)
            record_sign_in(session, username="pairing", address=address, outcome="bad_pairing_code",
                           service=request.app.state.settings.service_name)
            session.commit()
            raise
        record_sign_in(session, username=f"device:{device.id}", address=address, outcome="paired",
                       service=request.app.state.settings.service_name)
        session.commit()
    return PairingRead(device_id=device.id, device_key=key, kind=device.kind, service=device.service,
                       place=device.place)


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


