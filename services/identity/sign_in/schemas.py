"""What signing in answers: a bearer token, and who the caller is."""

from datetime import datetime

from pydantic import BaseModel


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
