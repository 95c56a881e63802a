"""Response shape of a community centre."""

from pydantic import BaseModel


class CentreRead(BaseModel):
    id: str
    name: str
    name_ko: str
    district: str
    lat: float
    lon: float
