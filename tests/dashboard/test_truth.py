"""The dashboard tells officials the truth, against a running suite with seeded data (AppTest):

- a figure shown twice has one definition and the same value: every overview figure is on its service's page with
  the same label and value, and the figures a page also computes from another endpoint agree with the overview;
- no data is a gap, not zero: a month without readings is left out of the BP-control line (never drawn at 0 %) and
  reads '—' in tables;
- with the clock at 08:00 in Pohang (still yesterday in UTC) the default period ends on the Pohang date."""

import datetime as dt
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import api, views
from tests.dashboard.test_pages import get_json

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
# The page where each service's overview figures are shown again (transit's are split between two pages).
PAGE_OF = {"boardings": "boarding.py", "face_verified_share": "boarding.py", "mismatches": "boarding.py",
           "free_rides": "boarding.py", "signals_": "crossings.py", "health_hubs": "health.py",
           "talent_academy": "academy.py", "industry": "industry.py"}


@pytest.fixture(scope="module")
def official(dashboard_env):
    session, status = api.sign_in("official", "official-demo-pass")
    assert status == "ok", status
    return session


def run_page(session, page: str, *, before=None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["session"] = session
    at.session_state["lang"] = "ko"
    at.run()
    if page != "overview.py":
        at.switch_page(f"app_pages/{page}").run()
    if before is not None:
        before(at)
    assert not at.exception, at.exception
    return at


def page_for(service: str, key: str) -> str:
    if service == "transit":
        return PAGE_OF["signals_"] if key.startswith("signals_") else PAGE_OF[key]
    return PAGE_OF[service]


def test_every_overview_figure_has_the_same_label_and_value_on_its_service_page(official, dashboard_env):
    api.clear_cache()
    overview = run_page(official, "overview.py")
    shown = {m.label: m.value for m in overview.metric}
    expected_pages: dict[str, list[tuple[str, str]]] = {}
    for service in api.SERVICES:
        for figure in get_json(dashboard_env, service, "/v1/overview", official)["figures"]:
            label = views.figure_view(figure, "ko")["label"]
            assert label in shown, (service, figure["key"])
            expected_pages.setdefault(page_for(service, figure["key"]), []).append((label, shown[label]))
    assert set(expected_pages) == {"boarding.py", "crossings.py", "health.py", "academy.py", "industry.py"}
    for page, pairs in expected_pages.items():
        on_page = {m.label: m.value for m in run_page(official, page).metric}
        for label, value in pairs:
            assert on_page.get(label) == value, f"{page}: {label} is {on_page.get(label)!r} there, {value!r} on the overview"


def test_boardings_today_on_the_overview_equal_the_boarding_pages_total_for_today(official):
    """Two endpoints (/v1/overview and /v1/ridership), one definition: boardings on today's Pohang date."""
    api.clear_cache()
    overview = {m.label: m.value for m in run_page(official, "overview.py").metric}
    today = views.city_today()
    page = run_page(official, "boarding.py",
                    before=lambda at: at.date_input(key="boarding_dates").set_value((today, today)).run())
    total = next(m.value for m in page.metric if m.label == views.t("ridership_total"))
    assert overview["오늘 승차"] == total
    # a count, or withheld as small (just after midnight in Pohang), the same way on both pages: never "no data"
    assert total != "—"


def test_bp_control_on_the_overview_equals_the_health_pages_point_for_that_month(official, dashboard_env):
    """The overview's BP-control figure (/v1/overview) and the health page's monthly line
    (/v1/indicators/series) for the same Pohang month."""
    api.clear_cache()
    month = views.recent_months(1)[0]
    figure = next(f for f in get_json(dashboard_env, "health_hubs", "/v1/overview", official)["figures"]
                  if f["key"] == "bp_control_rate")
    assert month in figure["label_ko"]  # the overview's month is the month the page picks by default
    at = run_page(official, "health.py")
    assert at.selectbox(key="health_month").value == month
    overview_value = {m.label: m.value for m in run_page(official, "overview.py").metric}[
        views.figure_view(figure)["label"]]
    chart = json.loads(charts(at)[0].proto.spec)
    points = {row["month"]: row["controlled_rate"] for row in chart_rows(at)}
    line_value = views.format_number(points[month], "%") if month in points else "—"
    assert overview_value == line_value, (overview_value, line_value)
    assert chart["encoding"]["x"]["scale"]["domain"][-1] == month


def charts(at: AppTest) -> list:
    return [e for e in at.get("vega_lite_chart") if e.proto.spec] or at.get("arrow_vega_lite_chart")


def chart_rows(at: AppTest, index: int = 0) -> list[dict]:
    """The rows the page handed to a vega-lite chart (its named datasets, or its inline data)."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    element = charts(at)[index].proto
    sources = [ds.data.data for ds in element.datasets] or [element.data.data]
    return [row for src in sources if src for row in convert_arrow_bytes_to_pandas_df(src).to_dict("records")]


def test_months_without_readings_are_gaps_in_the_bp_line_not_zero(official, dashboard_env):
    """What the service answers for each month of the series, and what the page draws of it: a month with no
    denominator, or with nobody of it visited, has no point (and no line through it); the rest are drawn as
    answered."""
    api.clear_cache()
    at = run_page(official, "health.py")
    month = at.selectbox(key="health_month").value
    series = get_json(dashboard_env, "health_hubs", "/v1/indicators/series", official, level="city",
                      to_month=month, months=12)
    drawn = {row["month"]: row["controlled_rate"] for row in chart_rows(at)}
    empty, full = [], []
    for point in series["points"]:
        counts, rate = point["counts"], point["rates"]["controlled_rate"]
        den, missed = counts["denominator"]["value"], counts["missed_visit"]["value"]
        if rate["suppressed"]:
            assert point["month"] not in drawn
        elif not den or den == missed:
            empty.append(point["month"])
            assert point["month"] not in drawn, f"{point['month']} has no readings and is drawn at {drawn.get(point['month'])}"
        else:
            full.append(point["month"])
            assert drawn[point["month"]] == pytest.approx(rate["value"])
    print("EMPTY", empty, "FULL", full, drawn)
    assert full, "the seeded city has some month with readings"
    assert 0 not in drawn.values() or all(drawn[m] == 0 for m in full if drawn[m] == 0)
    if empty:
        assert any(views.t("months_without_readings", n=len(empty)) == c.value for c in at.caption)
    # and each gap breaks the line: points either side of a gap are in different runs
    runs = {row["month"]: row["run"] for row in chart_rows(at)}
    months = series["months"]
    for i, m in enumerate(months):
        if m in empty and 0 < i < len(months) - 1 and months[i - 1] in runs and months[i + 1] in runs:
            assert runs[months[i - 1]] != runs[months[i + 1]]


def test_a_cell_without_a_denominator_reads_a_dash_not_zero_or_blank():
    cells = views.flatten_cells([
        {"id": "A", "counts": {"denominator": {"value": 0, "suppressed": False},
                               "missed_visit": {"value": 0, "suppressed": False}},
         "rates": {"controlled_rate": {"value": None, "suppressed": False}}},
        {"id": "B", "counts": {"denominator": {"value": 40, "suppressed": False},
                               "missed_visit": {"value": 40, "suppressed": False}},
         "rates": {"controlled_rate": {"value": 0.0, "suppressed": False}}},
        {"id": "C", "counts": {"denominator": {"value": 40, "suppressed": False},
                               "missed_visit": {"value": 10, "suppressed": False}},
         "rates": {"controlled_rate": {"value": 0.0, "suppressed": False}}},
    ])
    shown = views.blank_missing(views.show_suppressed(views.gap_without_readings(cells)))
    assert list(shown["controlled_rate"]) == ["—", "—", "0"]  # C visited and none controlled: a true 0 %


EIGHT_KST = "2026-03-02T08:00:00+09:00"  # 2026-03-01 23:00 UTC


def test_at_eight_in_pohang_the_default_period_ends_on_the_pohang_date(official, monkeypatch):
    monkeypatch.setenv("AICITY_DASHBOARD_NOW", EIGHT_KST)
    assert dt.datetime.fromisoformat(EIGHT_KST).astimezone(dt.UTC).date() == dt.date(2026, 3, 1)
    at = run_page(official, "boarding.py")
    start, end = at.date_input(key="boarding_dates").value
    assert end == dt.date(2026, 3, 2) and start == dt.date(2026, 1, 31)
    at = run_page(official, "health.py")
    assert at.selectbox(key="health_month").value == "2026-03"
    assert at.selectbox(key="health_month").options[:2] == ["2026-03", "2026-02"]


def test_at_eight_in_pohang_the_default_period_holds_todays_boardings(official, dashboard_env, monkeypatch):
    """The city at the latest 08:00 KST (the UTC date is still yesterday's): the default period ends on the Pohang
    date, so the boardings of 00:00-08:00 KST are counted; a UTC-dated period would miss them."""
    now = dt.datetime.now(views.CITY_ZONE)
    day = now.date() if now.hour >= 8 else now.date() - dt.timedelta(days=1)
    eight = dt.datetime.combine(day, dt.time(8), tzinfo=views.CITY_ZONE)
    monkeypatch.setenv("AICITY_DASHBOARD_NOW", eight.isoformat())
    api.clear_cache()
    at = run_page(official, "boarding.py")
    start, end = at.date_input(key="boarding_dates").value
    assert end == day
    shown = next(m.value for m in at.metric if m.label == views.t("ridership_total"))
    kst = get_json(dashboard_env, "transit", "/v1/ridership", official, date_from=start.isoformat(),
                   date_to=day.isoformat())["total"]
    utc = get_json(dashboard_env, "transit", "/v1/ridership", official, date_from=start.isoformat(),
                   date_to=eight.astimezone(dt.UTC).date().isoformat())["total"]
    assert shown == views.format_number(kst)
    assert kst > utc, "no boarding between 00:00 and 08:00 KST in the seeded city to tell the two apart"
