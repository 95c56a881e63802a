"""Response shapes of the indicators: one month's cells, and a monthly series."""

from datetime import datetime

from pydantic import BaseModel


class IndicatorPage(BaseModel):
    as_of: datetime
    month: str
    rule_version: str
    cells: list[dict]


class Series(BaseModel):
    as_of: datetime
    level: str
    id: str | None
    rule_version: str
    months: list[str]
    points: list[dict]
