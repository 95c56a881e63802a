"""The dashboard's pure view helpers, without Streamlit."""

from datetime import UTC, date, datetime

import pandas as pd
import pytest

from dashboard import views


def test_labels_are_korean_by_default_and_english_on_request():
    assert views.t("overview") == "한눈에 보기"
    assert views.t("overview", "en") == "Overview"
    assert views.t("as_of", "en", when="x") == "as of x"
    assert views.t("no-such-label") == "no-such-label"  # a missing label shows its key, never crashes


def test_every_label_has_both_languages():
    assert all(ko and en for ko, en in views.LABELS.values())
    assert not [k for k, (ko, en) in views.LABELS.items() if ko == en and k not in {"info"}]


@pytest.mark.parametrize(("value", "unit", "shown"), [
    (None, "", "—"), (0, "", "0"), (1234, "", "1,234"), (1234.0, "", "1,234"), (61.04, "%", "61.0%"),
    (0.857, "", "0.86"), (3.0, "", "3"), (12.5, "km", "12.5 km"), (True, "", "1"),
])
def test_numbers_are_formatted_for_reading(value, unit, shown):
    assert views.format_number(value, unit) == shown


def test_a_figure_shows_its_trend_against_previous():
    shown = views.figure_view({"key": "boardings_today", "label": "Boardings today", "label_ko": "오늘 승차",
                               "value": 1250, "previous": 1000, "unit": ""})
    assert shown == {"label": "오늘 승차", "value": "1,250", "delta": "+250", "suppressed": False}
    down = views.figure_view({"key": "x", "label": "X", "label_ko": "", "value": 0.5, "previous": 0.75}, "en")
    assert down["label"] == "X" and down["delta"] == "-0.25"
    same = views.figure_view({"key": "x", "label": "X", "label_ko": "엑스", "value": 3, "previous": 3})
    assert same["delta"] == "±0"
    assert views.figure_view({"key": "x", "label": "X", "label_ko": "", "value": 3, "previous": None})["delta"] is None


def test_a_suppressed_figure_stays_suppressed_and_gets_no_trend():
    # even if a value slipped through next to the flag, the dashboard shows the service's suppression
    shown = views.figure_view({"key": "bp_controlled", "label": "BP controlled", "label_ko": "혈압 조절",
                               "value": 3, "previous": 4, "suppressed": True})
    assert shown["value"] == "비공개(<5)" and shown["delta"] is None and shown["suppressed"]


def test_rises_in_bad_news_figures_are_coloured_as_bad():
    assert views.delta_colour({"key": "mismatches", "higher_is_better": False}, "+3") == "inverse"
    assert views.delta_colour({"key": "open_alarms_with_no_direction"}, "+3") == "off"  # no guessing from names
    assert views.delta_colour({"key": "boardings", "higher_is_better": True}, "-40") == "normal"
    assert views.delta_colour({"key": "boardings", "higher_is_better": True}, "±0") == "off"


def test_as_of_is_shown_in_seoul_time_whatever_zone_the_service_answered_in():
    assert views.format_as_of("2025-07-01T05:03:00Z") == "기준 2025-07-01 14:03 KST"
    assert views.format_as_of("2025-07-01T05:03:00+00:00", "en") == "as of 2025-07-01 14:03 KST"
    assert views.format_as_of(datetime(2025, 6, 30, 15, 0)) == "기준 2025-07-01 00:00 KST"  # naive = UTC
    assert views.format_as_of(datetime(2025, 6, 30, 15, 0, tzinfo=UTC), "en").endswith("00:00 KST")
    assert views.format_as_of(None) == "기준 —"
    assert views.format_as_of("yesterday") == "기준 yesterday"


def test_attention_lists_only_items_with_a_count_most_severe_first():
    overviews = [
        {"service": "transit", "attention": [
            {"key": "misuse", "label": "Flagged misuse", "label_ko": "부정승차 의심", "count": 4, "severity": "warning"},
            {"key": "none", "label": "Nothing", "label_ko": "없음", "count": 0, "severity": "critical"}]},
        {"service": "health_hubs", "attention": [
            {"key": "crisis", "label": "Crisis alerts waiting", "label_ko": "위기 알림 대기", "count": 2,
             "severity": "critical"}]},
        {"service": "industry", "attention": [
            {"key": "alarms", "label": "Open alarms", "label_ko": "미해결 경보", "count": 9, "severity": "warning"},
            {"key": "fyi", "label": "FYI", "label_ko": "참고", "count": 30, "severity": "info"}]},
    ]
    rows = views.attention_rows(overviews)
    assert [(r["key"], r["count"]) for r in rows] == [("crisis", 2), ("alarms", 9), ("misuse", 4), ("fyi", 30)]
    assert rows[0]["service"] == "건강 허브" and rows[0]["severity_label"] == "긴급"
    assert views.attention_rows(overviews, "en")[0]["label"] == "Crisis alerts waiting"
    assert views.attention_rows([{"service": "x"}]) == []


def test_items_are_found_in_bare_lists_and_page_envelopes():
    assert views.items_of([{"a": 1}, "junk"]) == [{"a": 1}]
    assert views.items_of({"items": [{"a": 1}], "total": 1}) == [{"a": 1}]
    assert views.items_of({"data": [{"b": 2}]}) == [{"b": 2}]
    assert views.items_of({"a": 1}) == [] and views.items_of(None) == []


def test_suppressed_cells_read_suppressed_and_are_never_filled_in():
    df = pd.DataFrame([
        {"centre": "C001", "registered": 120, "controlled": 61, "controlled_suppressed": False},
        {"centre": "C002", "registered": 7, "controlled": None, "controlled_suppressed": True},
        {"centre": "C003", "registered": None, "controlled": None, "suppressed": ["registered", "controlled"]},
    ])
    shown = views.show_suppressed(df, "en")
    assert list(shown.columns) == ["centre", "registered", "controlled"]
    assert shown["controlled"].tolist() == ["61", "suppressed (<5)", "suppressed (<5)"]
    assert shown["registered"].tolist() == ["120", "7", "suppressed (<5)"]  # what was sent stays as it was
    untouched = views.show_suppressed(pd.DataFrame([{"centre": "C001", "registered": 3}]))
    assert untouched["registered"].tolist() == [3]


def test_date_range_becomes_query_parameters():
    a, b = date(2025, 7, 1), date(2025, 7, 31)
    assert views.date_params((a, b)) == {"from": "2025-07-01", "to": "2025-07-31"}
    assert views.date_params((a,)) == {"from": "2025-07-01"}  # half-picked range in the widget
    assert views.date_params(a, start_key="since", end_key="until") == {"since": "2025-07-01", "until": "2025-07-01"}
    assert views.date_params(None) == {}


def test_positions_are_found_under_any_usual_name_and_bad_ones_dropped():
    df = pd.DataFrame([{"id": "C001", "latitude": 36.03, "longitude": 129.36},
                       {"id": "C002", "latitude": None, "longitude": 129.3},
                       {"id": "C003", "latitude": "36.1", "longitude": "129.4"}])
    out = views.with_positions(df)
    assert out["id"].tolist() == ["C001", "C003"] and out["lat"].tolist() == [36.03, 36.1]
    assert views.with_positions(pd.DataFrame([{"id": 1}])).empty


def test_maps_have_no_base_map_tiles():
    df = views.with_positions(pd.DataFrame([{"lat": 36.0, "lon": 129.3}, {"lat": 36.1, "lon": 129.4}]))
    deck = views.deck([views.points_layer(df)], views.view_state(df))
    spec = deck.to_json()
    assert '"mapStyle"' not in spec or '"mapStyle": null' in spec
    assert "mapbox://" not in spec and "carto" not in spec.lower()
    assert 8 <= views.view_state(df).zoom <= 15
    assert views.view_state(pd.DataFrame()).latitude == views.POHANG_VIEW["latitude"]


def test_route_path_follows_stop_sequence():
    stops = [{"sequence": 2, "lat": 36.1, "lon": 129.4}, {"sequence": 1, "lat": 36.0, "lon": 129.3},
             {"sequence": 3, "lat": None, "lon": 129.5}]
    assert views.path_of(stops) == [[129.3, 36.0], [129.4, 36.1]]


def test_charts_build_with_their_encodings():
    df = pd.DataFrame({"hour": [7, 8], "boardings": [10, 30]})
    spec = views.bar_chart(df, "hour", "boardings").to_dict()
    assert spec["mark"]["type"] == "bar" and spec["encoding"]["x"]["field"] == "hour"
    layered = views.line_chart(df, "hour", "boardings", x_type="O", rule_at=0.85).to_dict()
    assert len(layered["layer"]) == 2
    funnel = views.funnel_chart([("applied", 200), ("enrolled", 50), ("employed", None)]).to_dict()
    assert len(funnel["datasets"][next(iter(funnel["datasets"]))]) == 2  # an unknown stage is left out


def test_today_and_the_months_are_pohangs_not_the_servers(monkeypatch):
    # 08:00 in Pohang on 2 December is still 1 December in UTC: the default period must end on the 2nd
    monkeypatch.setenv("AICITY_DASHBOARD_NOW", "2026-12-01T23:00:00Z")
    assert views.city_today().isoformat() == "2026-12-02"
    assert views.city_now().hour == 8
    # midnight in Pohang on 1 January is still 31 December in UTC: the month is already January
    monkeypatch.setenv("AICITY_DASHBOARD_NOW", "2026-12-31T15:00:00Z")
    assert views.recent_months(3) == ["2027-01", "2026-12", "2026-11"]
    monkeypatch.setenv("AICITY_DASHBOARD_NOW", "2026-12-31T14:59:59Z")
    assert views.recent_months(1) == ["2026-12"]


def test_a_subset_is_drawn_beside_its_total_not_stacked_on_it():
    df = pd.DataFrame([{"name": "A", "kind": "cycles", "n": 10}, {"name": "A", "kind": "extended", "n": 4}])
    beside = views.bar_chart(df, "name", "n", color="kind", stack=False).to_dict()["encoding"]
    assert beside["y"]["stack"] is None and beside["xOffset"]["field"] == "kind"
    stacked = views.bar_chart(df, "name", "n", color="kind").to_dict()["encoding"]
    assert stacked["y"]["stack"] is True and "xOffset" not in stacked


def test_tables_read_as_a_person_reads_them_not_as_raw_keys_and_utc():
    df = pd.DataFrame([{"occurred_at": "2026-12-01T22:41:07.123456+00:00", "concession": "senior",
                        "reason": "face_differs_from_card_holder", "design_speed_too_fast": True, "boardings": 7}])
    ko = views.readable(df, "ko")
    assert list(ko.columns) == ["시각", "할인 종류", "사유", "설계 속도가 빠름", "boardings"]
    assert ko.iloc[0].tolist() == ["2026-12-02 07:41", "어르신", "카드 주인과 얼굴이 다름", "예", 7]
    en = views.readable(df, "en")
    assert en.iloc[0]["Concession"] == "Senior" and en.iloc[0]["Time"] == "2026-12-02 07:41"


def test_a_map_legend_names_each_colour():
    html = views.legend_html([([214, 39, 40, 230], "설계 속도가 너무 빠름"), ([38, 139, 210, 200], "적정")])
    assert html.count("background:rgb(") == 2
    assert "rgb(214,39,40)" in html and "설계 속도가 너무 빠름" in html and "적정" in html
    layer = views.labels_layer(pd.DataFrame([{"lon": 129.3, "lat": 36.0, "name": "죽도시장"}]), "name")
    import json

    import pydeck as pdk

    spec = json.loads(pdk.Deck(layers=[layer]).to_json())["layers"][0]
    assert spec["@@type"] == "TextLayer" and spec["characterSet"] == "auto" and spec["getText"] == "@@=name"


def test_an_air_grade_reads_in_words_on_its_scale():
    shown = views.figure_view({"key": "pm_grade_worst", "label": "Worst fine-dust grade", "label_ko": "미세먼지 최악 등급",
                               "unit": "grade", "value": 3, "previous": 1})
    assert shown["value"] == "나쁨 (3/4)" and "좋음·보통·나쁨·매우 나쁨" in shown["label"]
    assert views.figure_view({"label": "x", "unit": "grade", "value": 1}, "en")["value"] == "good (1/4)"
    assert views.figure_view({"label": "x", "unit": "grade", "value": None})["value"] == "—"


def test_names_of_neighbouring_points_go_above_and_below_so_they_do_not_overlap():
    df = pd.DataFrame({"lon": [129.36, 129.3601, 129.40, 129.30], "lat": [36.02, 36.0201, 36.10, 35.95],
                       "name": ["City hall 06", "City hall 07", "far north", "far south"]})
    dy = views.label_offsets(df)
    assert sorted(dy[:2]) == [views.LABEL_ABOVE_PX, views.LABEL_BELOW_PX]  # the two at one junction
    assert dy[2:] == [views.LABEL_ABOVE_PX, views.LABEL_ABOVE_PX]  # alone: above, as before
