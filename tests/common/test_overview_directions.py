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


def test_overview_words_come_from_the_one_catalogue():
    from pydantic import ValidationError

    from services.common import i18n
    from services.common.overview import Attention, Figure

    words = i18n.messages("overview")
    f = Figure(key="mismatches", value=3)
    assert (f.label_ko, f.label) == (words["mismatches"]["ko"], words["mismatches"]["en"])
    month = Figure(key="bp_control_rate", label_args={"month": "2026-11"}, value=52.0, unit="%")
    assert month.label_ko == "혈압 조절률 (2026-11)" and "label_args" not in month.model_dump()
    assert Attention(key="alerts_waiting", count=2).label_ko == words["alerts_waiting"]["ko"]
    with pytest.raises(ValidationError, match="no words"):
        Figure(key="a_key_nobody_wrote_words_for", value=1)
