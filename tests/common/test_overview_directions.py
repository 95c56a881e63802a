"""Every service's overview figures carry their own direction (`higher_is_better`), set where they are defined,
so the dashboard never guesses good or bad news from a key's wording."""

import pytest

from services.suite import SERVICES

# What each direction means for the figures whose direction is plain: a rise is bad news, or good news.
BAD_NEWS = {"mismatches", "alerts_today", "waitlist_length", "fuel_rate_kg_thm", "pm_grade_worst", "pm25_max_now"}
GOOD_NEWS = {"face_verified_share", "bp_control_rate", "oee_today", "completion_rate", "employment_rate_6m"}


@pytest.mark.parametrize("service", list(SERVICES))
def test_each_overview_figure_says_which_way_is_good(client_for, auth, service):
    client = client_for(service)
    r = client.get("/v1/overview", headers=auth.headers("official"))
    assert r.status_code == 200, r.text
    figures = r.json()["figures"]
    assert figures
    for figure in figures:
        assert "higher_is_better" in figure, figure["key"]
        if figure["key"] in BAD_NEWS:
            assert figure["higher_is_better"] is False, figure["key"]
        if figure["key"] in GOOD_NEWS:
            assert figure["higher_is_better"] is True, figure["key"]
