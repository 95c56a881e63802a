"""API shapes of air quality."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class AirMonitorCreate(BaseModel):
    id: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str = Field(min_length=1, max_length=120)
    name_ko: str = Field(default="", max_length=120)
    kind: str = Field(pattern="^(fence|town)$")
    site_id: str = Field(max_length=40)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class AirReadingIn(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)  # NaN, Infinity and integers too large for a float: refused

    monitor_id: str = Field(max_length=40)
    ts: datetime = Field(description="end of the hour the means cover")
    pm10: float | None = Field(default=None, ge=0, le=5000)
    pm25: float | None = Field(default=None, ge=0, le=5000)

    @model_validator(mode="after")
    def _check(self):
        if self.ts.tzinfo is None:
            raise ValueError("ts needs a UTC offset")
        if self.pm10 is None and self.pm25 is None:
            raise ValueError("give pm10, pm25 or both")
        return self


class AirReadingsIn(BaseModel):
    """Each item is checked on its own (AirReadingIn): a bad one is reported by its index, the rest are stored."""

    readings: list[Any] = Field(min_length=1, max_length=5000)


class AirMonitorRead(AirMonitorCreate):
    latest_ts: datetime | None = None
    pm10: float | None = None
    pm25: float | None = None
    pm10_grade: str | None = None
    pm25_grade: str | None = None
    grade: str | None = None
    grade_ko: str | None = None
    pm10_alert: str = "none"
    pm25_alert: str = "none"
