"""What pairing a screen answers: its device and the key it keeps."""

from pydantic import BaseModel


class PairingRead(BaseModel):
    device_id: str
    device_key: str
    kind: str
    service: str
    place: str | None
