"""The health_hubs overview: today's readings and alerts, residents, last month's BP control, and what waits for
staff. Each figure is counted by the sub-domain that owns its table; this module puts them side by side with their
direction (higher_is_better) and unit."""

from datetime import datetime, timedelta

from sqlmodel import Session

from services.common.auth import Principal
from services.common.overview import Attention, Figure, Overview
from services.health_hubs.care import service as care
from services.health_hubs.indicators import service as indicators
from services.health_hubs.readings import service as readings
from services.health_hubs.residents import service as residents
from services.health_hubs.timeutil import add_months, local_day_start, month_of


def overview(session: Session, *, principal: Principal, rules, now: datetime) -> Overview:
    today, yesterday = local_day_start(now), local_day_start(now, 1)

    def readings_between(a, b):
        return readings.count_received(session, since=a, until=b)

    def alerts_between(a, b):
        return care.count_alerts_raised(session, since=a, until=b)

    def residents_before(t):
        return residents.count_active(session, registered_before=t)

    month = month_of(now)
    rates = []
    for m in (month, add_months(month, -1)):
        cell = indicators.indicators(session.connection(), principal=principal, month=m, level="city", only=None,
                                     rules=rules, as_of=now)[0]
        rates.append(cell["rates"]["controlled_rate"])
    waiting = care.count_waiting(session, now=now)
    return Overview(
        service="health_hubs", as_of=now,
        figures=[
            Figure(key="readings_today", higher_is_better=True,
                   value=readings_between(today, now), previous=readings_between(yesterday, now - timedelta(days=1))),
            Figure(key="alerts_today", higher_is_better=False,
                   value=alerts_between(today, now), previous=alerts_between(yesterday, now - timedelta(days=1))),
            Figure(key="residents", higher_is_better=True,
                   value=residents_before(now), previous=residents_before(today)),
            Figure(key="bp_control_rate", higher_is_better=True, label_args={"month": month},
                   value=rates[0]["value"], previous=rates[1]["value"], unit="%",
                   suppressed=rates[0]["suppressed"]),
        ],
        attention=[
            Attention(key="alerts_waiting", count=waiting["alerts_waiting"], severity="critical"),
            Attention(key="alerts_escalated", count=waiting["alerts_escalated"], severity="critical"),
            Attention(key="referrals_overdue", count=waiting["referrals_overdue"], severity="warning"),
        ],
    )
