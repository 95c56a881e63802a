"""API shapes of assets."""

from pydantic import BaseModel, Field


class SiteCreate(BaseModel):
    id: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str = Field(min_length=1, max_length=120)
    name_ko: str = Field(default="", max_length=120)
    kind: str = Field(pattern="^(steelworks|sme|town)$")
    company_id: str | None = Field(default=None, max_length=40)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class SiteRead(SiteCreate):
    pass


class LineCreate(BaseModel):
    id: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    site_id: str = Field(max_length=40)
    name: str = Field(min_length=1, max_length=120)


class LineRead(LineCreate):
    pass


class WorkUnitCreate(BaseModel):
    id: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    line_id: str = Field(max_length=40)
    name: str = Field(min_length=1, max_length=120)
    kind: str = Field(min_length=1, max_length=30)
    working_volume_m3: float | None = Field(default=None, gt=0)


class WorkUnitRead(WorkUnitCreate):
    site_id: str


class SensorCreate(BaseModel):
    work_unit_id: str = Field(max_length=40)
    tag: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.:/-]+$")
    quantity: str = Field(min_length=1, max_length=40)
    unit: str = Field(min_length=1, max_length=20)
    aggregation: str = Field(default="mean", pattern="^(mean|sum)$")
    min_valid: float | None = None
    max_valid: float | None = None


class SensorRead(SensorCreate):
    id: int
    site_id: str


class SensorLatestRead(BaseModel):
    sensor_id: int
    tag: str
    unit: str
    ts: str | None = None
    value: float | None = None
    stale: bool = False
    stale_reason: str | None = None
    source: str | None = None


class SiteDetail(SiteRead):
    lines: list[LineRead]
    work_units: list[WorkUnitRead]
    sensors: list[SensorRead]
