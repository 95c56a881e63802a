"""Tables of air quality: monitors (plant fences and town), hourly PM readings, watch/warning state."""

from datetime import datetime

from sqlmodel import Field

from services.common.db import UTCDateTime
from services.industry.models import IndustryModel


class AirMonitor(IndustryModel, table=True):
    __tablename__ = "air_monitor"

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=120)
    name_ko: str = Field(default="", max_length=120)
    kind: str = Field(max_length=10)  # fence | town
    site_id: str = Field(foreign_key="site.id", index=True, max_length=40)  # whose gateway reports it
    lat: float
    lon: float


class AirReading(IndustryModel, table=True):
    """The mean of the hour ending at `ts`; one per monitor and hour, so a resend is a no-op."""

    __tablename__ = "air_reading"

    monitor_id: str = Field(foreign_key="air_monitor.id", primary_key=True, max_length=40)
    ts: datetime = Field(primary_key=True, sa_type=UTCDateTime)
    pm10: float | None = None
    pm25: float | None = None


class AirAlert(IndustryModel, table=True):
    """The watch/warning state machine of one monitor and pollutant."""

    __tablename__ = "air_alert"

    monitor_id: str = Field(foreign_key="air_monitor.id", primary_key=True, max_length=40)
    pollutant: str = Field(primary_key=True, max_length=6)  # pm10 | pm25
    level: str = Field(default="none", max_length=8)
    watch_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    warning_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_ts: datetime | None = Field(default=None, sa_type=UTCDateTime)
    changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
