"""`/v1/auth/pair`: a screen exchanges a one-time code for its device key."""

from typing import Annotated

from fastapi import Form, Request
from sqlmodel import Session

from services.common.db import utcnow
from services.common.errors import Unauthorized
from services.common.routing import APIRouter
from services.identity.devices.schemas import PairingRead
from services.identity.devices.service import redeem_pairing_code
from services.identity.sign_in.service import record_sign_in
from services.identity.sign_in.throttle import client_address, throttle_for, too_many

router = APIRouter()


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
