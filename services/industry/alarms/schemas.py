"""API shapes of alarms."""

import math
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from services.industry.alarms.domain import MAX_SHELVE, RULE_MODES


class AlarmRuleCreate(BaseModel):
    """Every number finite (NaN, Infinity and integers too large for a float are refused with 422). `deadband`
    and `on_delay_s` left out take the ISA-18.2 defaults for the sensor's signal type; drift rules (ewma, cusum)
    need the in-control `target` and `sigma` of the signal, never a guess."""

    model_config = ConfigDict(allow_inf_nan=False)

    sensor_id: int
    kind: str = Field(pattern="^(threshold|duration|rate_of_change|ewma|cusum)$")
    severity: str = Field(default="warning", pattern="^(info|warning|critical)$")
    comparison: str = Field(default="above", pattern="^(above|below)$")
    limit: float = 0.0
    deadband: float | None = Field(default=None, ge=0)
    on_delay_s: float | None = Field(default=None, ge=0, le=86_400)
    duration_s: float = Field(default=0.0, ge=0)
    target: float | None = None
    sigma: float | None = Field(default=None, gt=0)
    params: dict = Field(default_factory=dict)
    description: str = Field(default="", max_length=200)

    @model_validator(mode="after")
    def _check(self):
        if self.kind == "duration" and self.duration_s <= 0:
            raise ValueError("a duration rule needs duration_s > 0")
        if self.kind == "rate_of_change" and self.limit <= 0:
            raise ValueError("a rate-of-change rule needs a positive limit (units per minute)")
        if self.kind in ("ewma", "cusum") and (self.target is None or self.sigma is None):
            raise ValueError("a drift rule needs the signal's in-control target and sigma")
        for key, value in self.params.items():
            if key not in ("lambda", "L", "k", "h") or isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError("params may hold positive lambda, L (EWMA) or k, h (CUSUM)")
            try:
                ok = math.isfinite(value) and value > 0
            except OverflowError:  # an integer too large for a float
                ok = False
            if not ok:
                raise ValueError(f"params.{key} must be a finite positive number")
        if self.params.get("lambda", 0.5) > 1:
            raise ValueError("lambda must be in (0, 1]")
        return self


class AlarmRuleRead(BaseModel):
    id: int
    sensor_id: int
    kind: str
    severity: str
    comparison: str
    limit: float
    deadband: float
    on_delay_s: float
    duration_s: float
    target: float
    sigma: float
    params: dict
    description: str
    enabled: bool
    mode: str
    mode_reason: str
    mode_by: str | None
    mode_at: datetime | None


class AlarmRuleMode(BaseModel):
    mode: str = Field(pattern="^(" + "|".join(RULE_MODES) + ")$")
    reason: str = Field(default="", max_length=300)

    @model_validator(mode="after")
    def _check(self):
        if self.mode != "in_service" and not self.reason.strip():
            raise ValueError("say why the rule is suppressed or out of service")
        return self


class AlarmRead(BaseModel):
    id: int
    sensor_id: int
    site_id: str
    work_unit_id: str
    alarm_type: str
    rule_id: int | None
    severity: str
    state: str
    isa_state: str = ""
    message: str
    value: float | None
    opened_at: datetime
    acked_at: datetime | None
    acked_by: str | None
    cleared_at: datetime | None
    cleared_by: str | None
    note: str
    shelved_at: datetime | None = None
    shelved_until: datetime | None = None
    shelved_by: str | None = None
    shelved_reason: str | None = None
    escalated_at: datetime | None = None
    late: bool = False

    @computed_field
    @property
    def priority(self) -> int:
        return {"info": 1, "warning": 2, "critical": 3}.get(self.severity, 0)


class AlarmAction(BaseModel):
    note: str = Field(default="", max_length=300)


class AlarmShelve(BaseModel):
    reason: str = Field(min_length=1, max_length=300)
    minutes: int = Field(ge=1, le=int(MAX_SHELVE.total_seconds() // 60))


class FloodInterval(BaseModel):
    start: datetime
    end: datetime
    alarms: int
    flood: bool


class FloodReport(BaseModel):
    site_id: str
    start: datetime
    end: datetime
    intervals: list[FloodInterval]
    flood_intervals: int
    max_in_10_min: int
    average_per_10_min: float
    target: dict
