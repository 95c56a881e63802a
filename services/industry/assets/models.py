"""Tables of plant assets: sites, lines, work units and their sensors (each with its unit)."""

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from services.industry.models import IndustryModel


class Site(IndustryModel, table=True):
    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=120)
    name_ko: str = Field(default="", max_length=120)
    kind: str = Field(max_length=20)  # steelworks | sme | town
    company_id: str | None = Field(default=None, max_length=40, index=True)
    lat: float
    lon: float


class Line(IndustryModel, table=True):
    id: str = Field(primary_key=True, max_length=40)
    site_id: str = Field(foreign_key="site.id", index=True, max_length=40)
    name: str = Field(max_length=120)


class WorkUnit(IndustryModel, table=True):
    __tablename__ = "work_unit"

    id: str = Field(primary_key=True, max_length=40)
    line_id: str = Field(foreign_key="line.id", index=True, max_length=40)
    site_id: str = Field(foreign_key="site.id", index=True, max_length=40)
    name: str = Field(max_length=120)
    kind: str = Field(max_length=30)  # blast_furnace | hot_strip_mill | sme_cell | ...
    # Blast furnaces: inner (working) volume, the denominator of productivity in t/day/m3.
    working_volume_m3: float | None = None


class Sensor(IndustryModel, table=True):
    __table_args__ = (UniqueConstraint("site_id", "tag"),)

    id: int | None = Field(default=None, primary_key=True)
    site_id: str = Field(foreign_key="site.id", index=True, max_length=40)
    work_unit_id: str = Field(foreign_key="work_unit.id", index=True, max_length=40)
    # The name a gateway uses (Sparkplug metric name), unique within a site.
    tag: str = Field(max_length=80)
    quantity: str = Field(max_length=40)  # temperature | pressure | hot_metal_mass | pm10 ...
    unit: str = Field(max_length=20)  # degC | kPa | t | kg | GJ | ...
    # mean: a level (temperature); sum: an amount per reading (tonnes tapped since the last reading).
    aggregation: str = Field(default="mean", max_length=8)
    # Plausible range; a reading outside it is refused as a bad payload.
    min_valid: float | None = None
    max_valid: float | None = None
