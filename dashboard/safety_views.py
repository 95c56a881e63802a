"""Pure helpers of the industry page's safety section (alarms, permits, indicators, near misses), tested
without Streamlit. Labels live in views.LABELS."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from dashboard import views
from services.common.citytime import CITY_ZONE
from services.common.i18n import pairs as catalogue_pairs

NEAR_MISS_CATEGORIES = catalogue_pairs("industry_near_miss", "category.")  # the phone page's words
GAS_NAMES = {"o2": "O₂", "co": "CO", "h2s": "H₂S", "co2": "CO₂", "lel": "LEL"}


def local_time(value: Any) -> str:
    if not value:
        return "—"
    when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return when.astimezone(CITY_ZONE).strftime("%m-%d %H:%M")


def alarms_frame(alarms: list[dict], lang: str = "ko") -> pd.DataFrame:
    """Open alarms first (the service sorts them so: open, critical, newest); the columns an official reads."""
    rows = [{views.t("severity", lang): views.t(a.get("severity", ""), lang),
             views.t("safety_space", lang): a.get("space"),
             views.t("safety_message", lang): a.get("message"),
             views.t("safety_state", lang): views.t(f"safety_state_{a.get('state')}", lang),
             views.t("safety_opened", lang): local_time(a.get("opened_at")),
             views.t("safety_escalated", lang): local_time(a.get("escalated_at"))}
            for a in alarms]
    return pd.DataFrame(rows)


def gas_summary(gas: list[dict]) -> str:
    """'CO 4.1 ppm ✓ · O₂ 20.9 % ✓' with ✗ on a reading outside suitable air and '…' when stale."""
    parts = []
    for g in gas:
        name = GAS_NAMES.get(g.get("gas"), g.get("gas"))
        if g.get("value") is None:
            parts.append(f"{name} —")
            continue
        mark = {"ok": "✓", "stale": "…", "no_data": "—"}.get(g.get("status"), "✗")
        parts.append(f"{name} {g['value']:g} {g.get('unit', '')} {mark}".replace("  ", " "))
    return " · ".join(parts)


def permits_frame(permits: list[dict], lang: str = "ko") -> pd.DataFrame:
    rows = [{views.t("safety_space", lang): p.get("space"),
             views.t("safety_permit_kind", lang): views.t(f"safety_kind_{p.get('kind')}", lang),
             views.t("safety_inside", lang): p.get("people_inside"),
             views.t("safety_entries_exits", lang): f"{p.get('entries', 0)} / {p.get('exits', 0)}",
             views.t("safety_attendant", lang): p.get("attendant"),
             views.t("safety_live_gas", lang): gas_summary(p.get("gas") or []),
             views.t("safety_opened", lang): local_time(p.get("opened_at"))}
            for p in permits]
    return pd.DataFrame(rows)


def indicators_frame(companies: list[dict], lang: str = "ko") -> pd.DataFrame:
    """One row per company; a suppressed company's counts and rates read 'suppressed', never a number."""
    hidden = views.t("safety_suppressed", lang)
    rows = []
    for c in companies:
        def shown(key: str, c: dict = c) -> Any:
            if c.get("suppressed") and key in ("injured", "deaths", "lost_time", "injury_rate", "fatality_per_10k",
                                               "ltifr"):
                return hidden
            value = c.get(key)
            return "—" if value is None else value
        rows.append({views.t("safety_company", lang): c.get("name") or c.get("company_id"),
                     views.t("safety_workers", lang): shown("workers"),
                     views.t("safety_injured", lang): shown("injured"),
                     views.t("safety_injury_rate", lang): shown("injury_rate"),
                     views.t("safety_fatality_rate", lang): shown("fatality_per_10k"),
                     views.t("safety_ltifr", lang): shown("ltifr"),
                     views.t("safety_near_misses", lang): shown("near_misses")})
    return pd.DataFrame(rows).astype(str) if rows else pd.DataFrame()


def near_misses_frame(events: list[dict], lang: str = "ko") -> pd.DataFrame:
    i = 0 if lang == "ko" else 1
    rows = [{views.t("safety_when", lang): local_time(e.get("occurred_at")),
             views.t("safety_category", lang): NEAR_MISS_CATEGORIES.get(e.get("category"), (e.get("category"),) * 2)[i],
             views.t("safety_place", lang): e.get("place") or "—",
             views.t("safety_description", lang): e.get("description") or "",
             views.t("safety_via", lang): views.t(f"safety_via_{e.get('reported_via')}", lang)}
            for e in events]
    return pd.DataFrame(rows)


def before_after_frame(projects: list[dict], lang: str = "ko") -> pd.DataFrame:
    hidden = views.t("safety_suppressed", lang)

    def rate(window: dict) -> Any:
        if window.get("suppressed"):
            return hidden
        return "—" if window.get("ltifr") is None else window["ltifr"]

    rows = [{views.t("safety_company", lang): p.get("name"),
             views.t("safety_ltifr_before", lang): rate(p.get("before") or {}),
             views.t("safety_ltifr_after", lang): rate(p.get("after") or {}),
             views.t("safety_productivity", lang): f"{p.get('productivity_before')} → {p.get('productivity_after')}",
             views.t("safety_defects", lang): f"{p.get('defect_rate_before')} → {p.get('defect_rate_after')}"}
            for p in projects]
    return pd.DataFrame(rows).astype(str) if rows else pd.DataFrame()
