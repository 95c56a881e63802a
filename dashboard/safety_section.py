"""The safety section at the top of the industry page: open safety alarms first, permits open now, heat, the
indicators by company (small companies' counts suppressed), recent near misses, SME safety before and after."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from dashboard import safety_views
from dashboard.widgets import as_of, fetch, lang, no_data, problem, t, table

SERVICE = "industry"


def _year_choices() -> list[int]:
    this_year = datetime.now().year
    return [this_year, this_year - 1, this_year - 2]


def calls(site_id: str | None, site_names: dict[str, str]) -> list[tuple]:
    """Every GET `render` makes, as (service, path, params[, live]), for the page to fetch them at once first."""
    year = st.session_state.get("safety_year", _year_choices()[1])
    return [(SERVICE, "/v1/safety/alarms", {"active": True, "site_id": site_id, "limit": 200}),
            (SERVICE, "/v1/safety/permits", {"status": "open", "site_id": site_id}),
            *[(SERVICE, "/v1/safety/heat", {"site_id": sid}) for sid in ([site_id] if site_id else list(site_names))],
            (SERVICE, "/v1/safety/indicators", {"year": year}, False),
            (SERVICE, "/v1/safety/events", {"kind": "near_miss", "limit": 10}),
            (SERVICE, "/v1/safety/sme-before-after", None, False)]


def render(site_id: str | None, site_names: dict[str, str]) -> None:
    st.subheader(t("safety_alarms"))
    reply = fetch(SERVICE, "/v1/safety/alarms", params={"active": True, "site_id": site_id, "limit": 200})
    if not problem(reply):
        alarms = reply.data or []
        if not alarms:
            st.success(t("safety_no_open_alarms"), icon=":material/check_circle:")
        else:
            gas = sum(a.get("kind") == "gas" for a in alarms)
            (st.error if gas else st.warning)(t("safety_open_count", n=len(alarms), gas=gas),
                                              icon=":material/gas_meter:")
            table(safety_views.alarms_frame(alarms, lang()))
        as_of(reply.fetched_at)

    left, right = st.columns([3, 1])
    with left:
        st.subheader(t("safety_permits"))
        reply = fetch(SERVICE, "/v1/safety/permits", params={"status": "open", "site_id": site_id})
        if not problem(reply):
            if not reply.data:
                st.info(t("safety_no_permits"), icon=":material/door_front:")
            else:
                st.table(safety_views.permits_frame(reply.data, lang()).set_index(t("safety_space")))
            as_of(reply.fetched_at)
    with right:
        st.subheader(t("safety_heat"))
        for sid in [site_id] if site_id else list(site_names):
            heat = fetch(SERVICE, "/v1/safety/heat", params={"site_id": sid})
            if heat.ok:
                data = heat.data
                st.metric(site_names.get(sid, sid), f"{data['apparent_temperature_c']} ℃", data["stage_ko"] if lang() == "ko"
                          else data["stage"], delta_color="off", delta_arrow="off", help=data.get("source"))
                if data.get("stale"):
                    st.warning(t("safety_heat_stale", at=safety_views.local_time(data.get("measured_at"))),
                               icon=":material/schedule:")
                if data.get("advice_ko") and lang() == "ko":
                    st.caption(data["advice_ko"])
                if data.get("reminders"):
                    first = data["reminders"][0]
                    st.caption(t("safety_next_rest", at=safety_views.local_time(first["at"])[-5:],
                                 minutes=first["minutes"]))

    st.subheader(t("safety_indicators"))
    year = st.selectbox(t("safety_year"), _year_choices(), index=1, key="safety_year")
    reply = fetch(SERVICE, "/v1/safety/indicators", params={"year": year}, live=False)
    if not problem(reply):
        table(safety_views.indicators_frame(reply.data.get("companies") or [], lang()))
        st.caption(t("safety_suppression_note"))
        as_of(reply.fetched_at)

    left, right = st.columns(2)
    with left:
        st.subheader(t("safety_recent_near_misses"))
        reply = fetch(SERVICE, "/v1/safety/events", params={"kind": "near_miss", "limit": 10})
        if not problem(reply):
            near = safety_views.near_misses_frame(reply.data or [], lang())
            if near.empty:
                no_data()
            else:
                st.table(near.set_index(t("safety_when")))  # a plain table: each report readable and findable
            as_of(reply.fetched_at)
    with right:
        st.subheader(t("safety_sme"))
        reply = fetch(SERVICE, "/v1/safety/sme-before-after", live=False)
        if not problem(reply):
            table(safety_views.before_after_frame(reply.data or [], lang()))
            as_of(reply.fetched_at)
