"""API shapes of alarms."""

from datetime import datetime

from pydantic import BaseModel, Field, model_validator


class AlarmRuleCreate(BaseModel):
    sensor_id: int
    kind: str = Field(pattern="^(threshold|duration|rate_of_change|ewma|cusum)$")
    severity: str = Field(default="warning", pattern="^(info|warning|critical)$")
    comparison: str = Field(default="above", pattern="^(above|below)$")
    limit: float = 0.0
    deadband: float = Field(default=0.0, ge=0)
    duration_s: float = Field(default=0.0, ge=0)
    target: float = 0.0
    sigma: float = Field(default=1.0, gt=0)
    params: dict = Field(default_factory=dict)
    description: str = Field(default="", max_length=200)

    @model_validator(mode="after")
    def _check(self):
        if self.kind == "duration" and self.duration_s <= 0:
            raise ValueError("a duration rule needs duration_s > 0")
        if self.kind == "rate_of_change" and self.limit <= 0:
            raise ValueError("a rate-of-change rule needs a positive limit (units per minute)")
        for key, value in self.params.items():
            if key not in ("lambda", "L", "k", "h") or not isinstance(value, int | float) or value <= 0:
                raise ValueError("params may hold positive lambda, L (EWMA) or k, h (CUSUM)")
        if self.params.get("lambda", 0.5) > 1:
            raise ValueError("lambda must be in (0, 1]")
        return self


class AlarmRuleRead(AlarmRuleCreate):
    id: int
    enabled: bool


class AlarmRead(BaseModel):
    id: int
    sensor_id: int
    site_id: str
    work_unit_id: str
    alarm_type: str
    rule_id: int | None
    severity: str
    state: str
    message: str
    value: float | None
    opened_at: datetime
    acked_at: datetime | None
    acked_by: str | None
    cleared_at: datetime | None
    cleared_by: str | None
    note: str


class AlarmAction(BaseModel):
    note: str = Field(default="", max_length=300)
