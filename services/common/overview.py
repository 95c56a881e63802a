"""The shape every service's `GET /v1/overview` answers: headline figures and what needs attention."""

from datetime import datetime

from pydantic import BaseModel, Field


class Figure(BaseModel):
    key: str
    label: str
    label_ko: str
    value: float | int | None = Field(description="null when suppressed or unknown")
    unit: str = ""
    previous: float | int | None = Field(default=None, description="the same figure one period earlier, at the same point of that period (a day's count so far "
                              "beside yesterday's up to the same time)")
    suppressed: bool = False
    higher_is_better: bool | None = Field(default=None, description="the figure's direction, set by the service that "
                                          "defines it: true when a rise is good news, false when it is bad news, null "
                                          "when a change is neither")


class Attention(BaseModel):
    key: str
    label: str
    label_ko: str
    count: int
    severity: str = "warning"  # info | warning | critical


class Overview(BaseModel):
    service: str
    as_of: datetime
    figures: list[Figure]
    attention: list[Attention] = []
