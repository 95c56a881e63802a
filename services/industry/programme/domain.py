"""Pure rules of the SME programme: maturity levels, funding shares, before/after changes, progress."""

# Korean smart-factory levels (스마트공장 수준확인), lowest first.
LEVELS = ("none", "basic", "intermediate_1", "intermediate_2", "advanced")
METRICS = ("productivity", "quality", "cost", "delivery_time")


def pct_change(before: float | None, after: float | None) -> float | None:
    if before is None or after is None or before == 0:
        return None
    return (after - before) / before * 100.0


def improvements(p) -> dict:
    """Signed so that a positive number is always better: productivity up, defects/cost/delivery down.
    Quality is reported as the fall in the defect rate, as the programme's surveys do."""
    def down(b, a):
        c = pct_change(b, a)
        return None if c is None else -c

    return {
        "productivity": pct_change(p.productivity_before, p.productivity_after),
        "quality": down(p.defect_rate_before, p.defect_rate_after),
        "cost": pct_change(p.unit_cost_before, p.unit_cost_after),
        "delivery_time": pct_change(p.delivery_days_before, p.delivery_days_after),
        "defect_reduction": down(p.defect_rate_before, p.defect_rate_after),
    }


def funding_shares(company: int, steelmaker: int, ministry: int) -> dict:
    total = company + steelmaker + ministry
    return {
        "total_krw": total,
        "company": company / total if total else None,
        "steelmaker": steelmaker / total if total else None,
        "ministry": ministry / total if total else None,
    }


def level_up(before: str, after: str | None) -> int | None:
    if after is None:
        return None
    return LEVELS.index(after) - LEVELS.index(before)
