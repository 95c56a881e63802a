"""The shape every service's `GET /v1/overview` answers: headline figures and what needs attention."""

from datetime import datetime

from pydantic import BaseModel, Field, model_validator

from services.common import i18n


def _labelled(data):
    """A figure's or attention item's words come from the catalogue (services/common/i18n/overview.json), by key,
    with `label_args` filled in ({month}); a key missing there is an error, never a raw key on a screen."""
    if isinstance(data, dict) and "label" not in data:
        entry = i18n.messages("overview").get(data.get("key", ""))
        if entry is None:
            raise ValueError(f"overview key {data.get('key')!r} has no words in services/common/i18n/overview.json")
        args = data.get("label_args") or {}
        data = {**data, "label": entry["en"].format(**args), "label_ko": entry["ko"].format(**args)}
    return data


class Figure(BaseModel):
    key: str
    label: str
    label_ko: str
    label_args: dict[str, str] = Field(default_factory=dict, exclude=True)
    value: float | int | None = Field(description="null when suppressed or unknown")
    unit: str = ""
    previous: float | int | None = Field(default=None, description="the same figure one period earlier, at the same point of that period (a day's count so far "
                              "beside yesterday's up to the same time)")
    suppressed: bool = False
    higher_is_better: bool | None = Field(default=None, description="the figure's direction, set by the service that "
                                          "defines it: true when a rise is good news, false when it is bad news, null "
                                          "when a change is neither")

    @model_validator(mode="before")
    @classmethod
    def words_from_catalogue(cls, data):
        return _labelled(data)


class Attention(BaseModel):
    key: str
    label: str
    label_ko: str
    label_args: dict[str, str] = Field(default_factory=dict, exclude=True)
    count: int
    severity: str = "warning"  # info | warning | critical

    @model_validator(mode="before")
    @classmethod
    def words_from_catalogue(cls, data):
        return _labelled(data)


class Overview(BaseModel):
    service: str
    as_of: datetime
    figures: list[Figure]
    attention: list[Attention] = []
