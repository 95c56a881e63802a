"""Pure view helpers (labels, figures, trends, frames, charts, map layers), tested without Streamlit."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import altair as alt
import pandas as pd
import pydeck as pdk

from services.common.citytime import CITY_ZONE
from services.common.i18n import pairs as catalogue_pairs


def city_now() -> datetime:
    """Now in Pohang. AICITY_DASHBOARD_NOW (an ISO instant) fixes the clock: the browser tests use it to look at
    the city at 08:00 KST, before the UTC date turns."""
    import os

    fixed = os.environ.get("AICITY_DASHBOARD_NOW")
    now = datetime.fromisoformat(fixed.replace("Z", "+00:00")) if fixed else datetime.now(CITY_ZONE)
    if now.tzinfo is None:
        now = now.replace(tzinfo=ZoneInfo("UTC"))
    return now.astimezone(CITY_ZONE)


def city_today():
    """Today's date in Pohang (not the server's UTC date: before 09:00 KST they differ)."""
    return city_now().date()


def recent_months(n: int = 12) -> list[str]:
    """The last n months as 'YYYY-MM', this month (in Pohang) first."""
    today = city_today()
    return [f"{(today.year * 12 + today.month - 1 - k) // 12}-{(today.month - 1 - k) % 12 + 1:02d}"
            for k in range(n)]
LANGS = ("ko", "en")
SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}

# Korean first: the city's officials read Korean; English for visitors and the code's readers.
LABELS: dict[str, tuple[str, str]] = catalogue_pairs("dashboard")
SERVICE_LABEL_KEYS = {"transit": "transit", "health_hubs": "health_hubs", "talent_academy": "talent_academy",
                      "industry": "industry_service"}


def wording(labels: dict[str, tuple[str, str]]) -> Callable[..., str]:
    """`t(key, lang="ko", **fmt)` over one table of (ko, en) pairs; a key the table lacks reads as itself."""

    def t(key: str, lang: str = "ko", **fmt: Any) -> str:
        ko, en = labels.get(key, (key, key))
        text = ko if lang == "ko" else en
        return text.format(**fmt) if fmt else text

    return t


t = wording(LABELS)


def service_name(service: str, lang: str = "ko") -> str:
    return t(SERVICE_LABEL_KEYS.get(service, service), lang)


# ---- figures -----------------------------------------------------------------------------------------------


FRACTION_UNITS = {"share", "ratio", "fraction"}  # 0..1 from the service, read as a percentage
UNIT_TEXT = {"ug/m3": "µg/m³", "s": "s", "grade": ""}


def format_number(value: float | int | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        value = int(value)
    if unit in FRACTION_UNITS:
        return format_number(round(value * 100, 1), "%")
    unit = UNIT_TEXT.get(unit, unit)
    if isinstance(value, int) or float(value).is_integer():
        text = f"{int(round(value)):,}"
    elif abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:,.1f}"
    else:
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
    if not unit:
        return text
    return f"{text}{unit}" if unit in {"%", "‰"} else f"{text} {unit}"


def delta_colour(figure: dict, delta: str | None = None) -> str:
    """Streamlit's delta_color from the figure's own direction, as its service defines it (`higher_is_better`):
    'normal' when a rise is good news, 'inverse' when it is bad news, 'off' when a change is neither or nothing
    changed (no red or green for ±0). The dashboard never guesses a direction from a figure's name."""
    direction = figure.get("higher_is_better")
    if direction is None or delta in (None, "±0"):
        return "off"
    return "normal" if direction else "inverse"


GRADE_WORDS = {int(grade): words for grade, words in catalogue_pairs("dashboard_codes", "grade.").items()}


def grade_words(value: Any, lang: str = "ko") -> str:
    if not isinstance(value, int | float) or int(value) not in GRADE_WORDS:
        return "—"
    return f"{GRADE_WORDS[int(value)][0 if lang == 'ko' else 1]} ({int(value)}/4)"


def figure_view(figure: dict, lang: str = "ko") -> dict:
    """Label, shown value and trend of one overview figure. A suppressed figure shows as suppressed; no trend
    is ever computed from it (the dashboard never recomputes what the service withheld)."""
    label = figure.get("label_ko") if lang == "ko" and figure.get("label_ko") else figure.get("label", figure.get("key"))
    unit = figure.get("unit") or ""
    if figure.get("suppressed"):
        return {"label": label, "value": t("suppressed", lang), "delta": None, "suppressed": True}
    value, previous = figure.get("value"), figure.get("previous")
    if unit == "grade":  # AirKorea's four grades in words, with the scale they sit on
        return {"label": f"{label} ({t('grade_scale', lang)})", "value": grade_words(value, lang),
                "delta": None, "suppressed": False}
    delta = None
    if isinstance(value, int | float) and isinstance(previous, int | float) and not isinstance(value, bool):
        diff = value - previous
        if unit in FRACTION_UNITS:  # a change of a percentage is in percentage points
            text = format_number(round(diff * 100, 1), "%p")
        else:
            text = format_number(round(diff, 4), unit)
        delta = ("+" if diff > 0 else "") + text if diff else "±0"
    return {"label": label, "value": format_number(value, unit), "delta": delta, "suppressed": False}


def format_as_of(when: str | datetime | None, lang: str = "ko") -> str:
    """'as of 2025-07-01 14:03 KST' in Seoul time, whatever zone the service answered in."""
    if when is None or when == "":
        return t("as_of", lang, when="—")
    if isinstance(when, str):
        try:
            when = datetime.fromisoformat(when.replace("Z", "+00:00"))
        except ValueError:
            return t("as_of", lang, when=when)
    if when.tzinfo is None:  # the services answer UTC; a naive instant is UTC
        when = when.replace(tzinfo=ZoneInfo("UTC"))
    return t("as_of", lang, when=when.astimezone(CITY_ZONE).strftime("%Y-%m-%d %H:%M KST"))


def attention_rows(overviews: Iterable[dict], lang: str = "ko") -> list[dict]:
    """Every service's attention items with a count above zero, most severe and largest first."""
    rows = []
    for overview in overviews:
        for item in overview.get("attention") or []:
            if not item.get("count"):
                continue
            severity = item.get("severity", "warning")
            rows.append({
                "service": service_name(overview.get("service", ""), lang),
                "label": item.get("label_ko") if lang == "ko" and item.get("label_ko") else item.get("label", ""),
                "count": int(item["count"]),
                "severity": severity,
                "severity_label": t(severity, lang) if severity in SEVERITY_ORDER else severity,
                "key": item.get("key", ""),
            })
    rows.sort(key=lambda r: (SEVERITY_ORDER.get(r["severity"], 9), -r["count"]))
    return rows


# ---- frames ------------------------------------------------------------------------------------------------


def items_of(body: Any) -> list[dict]:
    """The list inside a service's answer: a bare list, or a page envelope ({"items": [...]}, "data", ...)."""
    if isinstance(body, list):
        return [row for row in body if isinstance(row, dict)]
    if isinstance(body, dict):
        for key in ("items", "data", "results", "rows", "points", "series"):
            if isinstance(body.get(key), list):
                return [row for row in body[key] if isinstance(row, dict)]
    return []


def frame(body: Any) -> pd.DataFrame:
    return pd.DataFrame(items_of(body))


def pick(df: pd.DataFrame, *candidates: str) -> str | None:
    """The first column of `df` among `candidates` (services name the same thing a little differently)."""
    for name in candidates:
        if name in df.columns:
            return name
    return None


# Column names and coded values the services answer with, as a person reads them (the Korean UI never shows a
# raw key). A column or value not listed is shown as it came.
COLUMN_LABELS: dict[str, tuple[str, str]] = catalogue_pairs("dashboard_columns")
VALUE_LABELS: dict[str, tuple[str, str]] = catalogue_pairs("dashboard_values")


def value_label(lang: str = "ko"):
    """A coded value as a person reads it (for a selectbox's format_func); a value not listed as it came."""
    pick_lang = 0 if lang == "ko" else 1
    return lambda v: VALUE_LABELS[v][pick_lang] if isinstance(v, str) and v in VALUE_LABELS else v


def readable(df: pd.DataFrame, lang: str = "ko") -> pd.DataFrame:
    """For display: instants in Pohang time to the minute, yes/no in words, coded values and column names in the
    reader's language. Numbers and the suppressed marker are left as they are."""
    if df.empty:
        return df
    out = df.copy()
    pick_lang = 0 if lang == "ko" else 1
    label = value_label(lang)
    for column in out.columns:
        if str(column).endswith("_at"):
            out[column] = [_local_minute(v) for v in out[column]]
        elif pd.api.types.is_bool_dtype(out[column]):
            out[column] = out[column].map({True: t("yes", lang), False: t("no", lang)})
        elif pd.api.types.is_object_dtype(out[column]) or pd.api.types.is_string_dtype(out[column]):
            out[column] = [label(v) for v in out[column]]
    return out.rename(columns={c: COLUMN_LABELS[c][pick_lang] for c in out.columns if c in COLUMN_LABELS})


def _local_minute(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return value
    try:
        when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return value
    if when.tzinfo is None:
        when = when.replace(tzinfo=ZoneInfo("UTC"))
    return when.astimezone(CITY_ZONE).strftime("%Y-%m-%d %H:%M")


def show_suppressed(df: pd.DataFrame, lang: str = "ko") -> pd.DataFrame:
    """For display: a cell the service suppressed reads 'suppressed', as returned, never filled in.

    Understood forms: a row flag `suppressed` (bool, or a list of the suppressed column names) and per-column
    flags `<column>_suppressed`. Values stay exactly as the service sent them otherwise."""
    if df.empty:
        return df
    out = df.copy()
    word = t("suppressed", lang)
    hidden: dict[str, set] = {}  # column -> row labels the service suppressed
    for column in list(out.columns):
        flag = f"{column}_suppressed"
        if flag in out.columns:
            hidden.setdefault(column, set()).update(i for i, f in out[flag].items() if f is True or f == 1)
    if "suppressed" in out.columns:
        for i, flag in out["suppressed"].items():
            if isinstance(flag, list | tuple):
                for column in flag:
                    if column in out.columns:
                        hidden.setdefault(column, set()).add(i)
            elif flag is True:
                for column in out.columns:
                    if column != "suppressed" and pd.isna(out.at[i, column]):
                        hidden.setdefault(column, set()).add(i)
    for column, rows in hidden.items():
        if rows:  # one type per column, so the table's Arrow conversion keeps it
            out[column] = [word if i in rows else (NO_VALUE if _missing(v) else format_number(v) if _number(v) else str(v))
                           for i, v in out[column].items()]
    return out.drop(columns=[c for c in out.columns if c == "suppressed" or c.endswith("_suppressed")])


NO_VALUE = "—"  # no reading, no denominator: a gap, never a zero


def blank_missing(df: pd.DataFrame) -> pd.DataFrame:
    """For display: an empty numeric cell (no reading, no denominator) reads '—' rather than a blank, 'None' or 0."""
    out = df.copy()
    for column in out.columns:
        if pd.api.types.is_numeric_dtype(out[column]) and not pd.api.types.is_bool_dtype(out[column]) \
                and out[column].isna().any():
            out[column] = [NO_VALUE if _missing(v) else format_number(v) for v in out[column]]
    return out


def gap_without_readings(df: pd.DataFrame) -> pd.DataFrame:
    """Health cells whose BP control rate rests on no reading at all read as a gap, not 0 %: no denominator, or
    not one resident of the denominator visited in the window (everyone a missed visit). Simple's definition would
    call that 0 % controlled; for the dashboard it is a month (or centre) the kiosks have no data for. Suppressed
    counts are left alone (nothing is inferred from a withheld number)."""
    if df.empty or "controlled_rate" not in df:
        return df
    out = df.copy()
    den = pd.to_numeric(out.get("denominator"), errors="coerce")
    missed = pd.to_numeric(out.get("missed_visit"), errors="coerce")
    hidden = out.get("controlled_rate_suppressed", pd.Series(False, index=out.index)).astype(bool)
    no_readings = ~hidden & ((den.fillna(-1) == 0) | (den.notna() & missed.notna() & (den == missed)))
    out["controlled_rate"] = pd.to_numeric(out["controlled_rate"], errors="coerce").astype(float)
    out.loc[no_readings, "controlled_rate"] = float("nan")
    return out


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def scoped(overview: dict, prefix: str, *, include: bool = True) -> dict:
    """The part of a service's overview whose keys start (include) or do not start (exclude) with `prefix`:
    transit answers for boarding and signals together, and each has its own page."""
    def keep(item: dict) -> bool:
        return item.get("key", "").startswith(prefix) == include

    return {**overview, "figures": [f for f in overview.get("figures") or [] if keep(f)],
            "attention": [a for a in overview.get("attention") or [] if keep(a)]}


def flatten_cells(cells: list[dict]) -> pd.DataFrame:
    """Health indicator cells ({counts: {k: {value, suppressed}}, rates: {...}}) as one row per cell with a
    `<k>_suppressed` flag beside each value, exactly as returned (null where suppressed)."""
    rows = []
    for cell in cells:
        row = {k: cell.get(k) for k in ("level", "id", "name", "district", "month")}
        for group in ("counts", "rates"):
            for key, entry in (cell.get(group) or {}).items():
                entry = entry if isinstance(entry, dict) else {"value": entry, "suppressed": False}
                row[key] = entry.get("value")
                row[f"{key}_suppressed"] = bool(entry.get("suppressed"))
        rows.append(row)
    return pd.DataFrame(rows)


def rate_colours(values: Iterable, suppressed: Iterable, *, good_at: float = 70.0) -> list[list[int]]:
    """Map colours for a rate in %: grey where suppressed or unknown (nothing is guessed), else red to green."""
    out = []
    for value, hidden in zip(values, suppressed, strict=False):
        if hidden or _missing(value):
            out.append(COLOURS["muted"])
        else:
            x = max(0.0, min(1.0, float(value) / good_at))
            out.append([int(214 - 170 * x), int(39 + 121 * x), int(40 + 4 * x), 220])
    return out


def date_params(date_range: Any, *, start_key: str = "from", end_key: str = "to") -> dict:
    """A Streamlit date_input value (one date or a pair) as query parameters."""
    if not date_range:
        return {}
    if isinstance(date_range, list | tuple):
        if len(date_range) == 2:
            return {start_key: date_range[0].isoformat(), end_key: date_range[1].isoformat()}
        if len(date_range) == 1:
            return {start_key: date_range[0].isoformat()}
        return {}
    return {start_key: date_range.isoformat(), end_key: date_range.isoformat()}


# ---- charts ------------------------------------------------------------------------------------------------


def bar_chart(df: pd.DataFrame, x: str, y: str, *, color: str | None = None, x_title: str = "", y_title: str = "",
              x_type: str = "O", stack: bool = True, color_title: str = "") -> alt.Chart:
    """Bars; with `color`, stacked parts of a whole, or (stack=False) bars side by side, for series one of which
    is a subset of another (a subset is never stacked on its total)."""
    enc = {"x": alt.X(f"{x}:{x_type}", title=x_title or x),
           "y": alt.Y(f"{y}:Q", title=y_title or y, stack=True if stack else None),
           "tooltip": [c for c in (x, y, color) if c]}
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=color_title or None)
        if not stack:
            enc["xOffset"] = alt.XOffset(f"{color}:N")
    return alt.Chart(df).mark_bar().encode(**enc).properties(height=260)


def line_chart(df: pd.DataFrame, x: str, y: str, *, color: str | None = None, x_title: str = "", y_title: str = "",
               x_type: str = "T", y_format: str | None = None, rule_at: float | None = None) -> alt.Chart | alt.LayerChart:
    y_axis = alt.Axis(format=y_format) if y_format else alt.Axis()
    enc = {"x": alt.X(f"{x}:{x_type}", title=x_title or x), "y": alt.Y(f"{y}:Q", title=y_title or y, axis=y_axis),
           "tooltip": [c for c in (x, y, color) if c]}
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=color)
    chart = alt.Chart(df).mark_line(point=True).encode(**enc).properties(height=260)
    if rule_at is not None:
        rule = alt.Chart(pd.DataFrame({"y": [rule_at]})).mark_rule(strokeDash=[4, 4], color="gray").encode(y="y:Q")
        return chart + rule
    return chart


def month_gaps_chart(df: pd.DataFrame, x: str, y: str, months: list[str], *, x_title: str = "",
                     y_title: str = "") -> alt.Chart:
    """A monthly line with every month of `months` on the axis and a break (no point, no line) where `y` is
    empty: a month without data is a gap, never drawn at zero and never bridged by a line."""
    data = df[[x, y]].copy()
    data[y] = pd.to_numeric(data[y], errors="coerce")
    run, runs = 0, []
    for value in data[y]:
        if _missing(value):
            run += 1
        runs.append(run)
    data["run"] = runs
    data = data.dropna(subset=[y])
    return alt.Chart(data).mark_line(point=True).encode(
        x=alt.X(f"{x}:O", title=x_title or x, scale=alt.Scale(domain=list(months))),
        y=alt.Y(f"{y}:Q", title=y_title or y, scale=alt.Scale(domain=[0, 100])),
        detail="run:N", tooltip=[x, y]).properties(height=260)


def funnel_chart(stages: list[tuple[str, float | int | None]], *, value_title: str = "") -> alt.Chart:
    """Horizontal bars in the given stage order (applied -> enrolled -> completed -> employed)."""
    df = pd.DataFrame([{"stage": s, "value": v, "order": i} for i, (s, v) in enumerate(stages) if v is not None])
    return (alt.Chart(df).mark_bar().encode(
        y=alt.Y("stage:N", sort=alt.SortField("order"), title=""),
        x=alt.X("value:Q", title=value_title or "value"),
        tooltip=["stage", "value"],
    ).properties(height=40 + 36 * max(len(df), 1)))


# ---- maps --------------------------------------------------------------------------------------------------

POHANG_VIEW = {"latitude": 36.02, "longitude": 129.36, "zoom": 10.5}
COLOURS = {
    "ok": [38, 139, 210, 200], "warning": [230, 145, 56, 220], "critical": [214, 39, 40, 230],
    "muted": [120, 120, 120, 160], "route": [88, 86, 214, 200], "good": [44, 160, 44, 220],
}
# AirKorea grade colours (good, moderate, bad, very bad), as the public site shows them.
GRADE_COLOURS = {"good": [50, 161, 255, 230], "moderate": [0, 199, 60, 230], "bad": [253, 155, 90, 230],
                 "very_bad": [255, 89, 89, 230]}


def lon_lat(df: pd.DataFrame) -> tuple[str, str] | None:
    lon = pick(df, "lon", "lng", "longitude", "x")
    lat = pick(df, "lat", "latitude", "y")
    return (lon, lat) if lon and lat else None


def with_positions(df: pd.DataFrame) -> pd.DataFrame:
    """Rows with a numeric position under 'lon'/'lat' (renamed from whatever the service used)."""
    cols = lon_lat(df) if not df.empty else None
    if cols is None:
        return pd.DataFrame(columns=[*df.columns, "lon", "lat"])
    out = df.rename(columns={cols[0]: "lon", cols[1]: "lat"}).copy()
    out["lon"] = pd.to_numeric(out["lon"], errors="coerce")
    out["lat"] = pd.to_numeric(out["lat"], errors="coerce")
    return out.dropna(subset=["lon", "lat"])


def view_state(df: pd.DataFrame, default: dict = POHANG_VIEW) -> pdk.ViewState:
    if df.empty:
        return pdk.ViewState(**default)
    lat_span = float(df["lat"].max() - df["lat"].min())
    lon_span = float(df["lon"].max() - df["lon"].min())
    span = max(lat_span, lon_span, 0.01)
    zoom = max(8.0, min(15.0, math.log2(360 / span) - 0.6))
    return pdk.ViewState(latitude=float(df["lat"].mean()), longitude=float(df["lon"].mean()), zoom=zoom)


def points_layer(df: pd.DataFrame, *, colour: list[int] | str = "ok", radius_m: float = 120,
                 layer_id: str = "points") -> pdk.Layer:
    """A scatter layer; `colour` a name from COLOURS, an RGBA list, or a column holding RGBA lists."""
    if isinstance(colour, str) and colour in df.columns:
        fill = colour
    else:
        fill = COLOURS.get(colour, COLOURS["ok"]) if isinstance(colour, str) else colour
    return pdk.Layer("ScatterplotLayer", data=df, id=layer_id, get_position=["lon", "lat"], get_fill_color=fill,
                     get_radius=radius_m, radius_min_pixels=3, radius_max_pixels=18, pickable=True,
                     stroked=True, get_line_color=[255, 255, 255, 200], line_width_min_pixels=1)


def labels_layer(df: pd.DataFrame, text: str, *, layer_id: str = "labels") -> pdk.Layer:
    """Names beside the points (Korean too: the glyphs are taken from the text itself)."""
    literal = pdk.types.String  # pydeck reads a plain string as an accessor expression
    return pdk.Layer("TextLayer", data=df, id=layer_id, get_position=["lon", "lat"], get_text=text, get_size=13,
                     size_units=literal("pixels"), get_color=[17, 17, 17, 255], get_pixel_offset=[0, -16],
                     character_set=literal("auto"), background=True, get_background_color=[255, 255, 255, 210],
                     font_family=literal("'Noto Sans CJK KR', 'Noto Sans KR', sans-serif"))


def legend_html(entries: list[tuple[list[int], str]]) -> str:
    """A map's legend: a swatch of each colour with what it means."""
    items = "".join(
        f'<span style="display:inline-flex;align-items:center;margin-right:1.2em;white-space:nowrap">'
        f'<span aria-hidden="true" style="display:inline-block;width:0.9em;height:0.9em;border-radius:50%;'
        f'margin-right:0.35em;background:rgb({c[0]},{c[1]},{c[2]})"></span>{label}</span>' for c, label in entries)
    return f'<div style="line-height:1.8">{items}</div>'


def paths_layer(paths: list[dict], *, layer_id: str = "paths") -> pdk.Layer:
    """`paths`: [{"name": ..., "path": [[lon, lat], ...]}, ...]."""
    return pdk.Layer("PathLayer", data=pd.DataFrame(paths), id=layer_id, get_path="path",
                     get_color=COLOURS["route"], width_min_pixels=3, pickable=True)


def deck(layers: list[pdk.Layer], view: pdk.ViewState, tooltip_html: str | None = None) -> pdk.Deck:
    """No base map: `map_style=None` draws the layers alone, so the map works without internet tiles."""
    tooltip = {"html": tooltip_html} if tooltip_html else True
    return pdk.Deck(layers=layers, initial_view_state=view, map_style=None, map_provider=None, tooltip=tooltip)


def path_of(stops: list[dict]) -> list[list[float]]:
    """[[lon, lat], ...] of a route's ordered stops (stops without a position skipped)."""
    df = with_positions(pd.DataFrame(stops))
    if "sequence" in df.columns:
        df = df.sort_values("sequence")
    return df[["lon", "lat"]].values.tolist()


# ---- the same maps drawn by Vega-Lite ----------------------------------------------------------------------
# A deck.gl map compiles its WebGL shaders on every page visit (a new context each time): 1-4 s per map where the
# browser draws WebGL in software (no GPU: SwiftShader), the whole of the slow pages' time (issue 16). The maps
# have no base tiles, so the same points, routes, names, colours and tooltips are drawn as a Vega-Lite chart on a
# Mercator projection fitted to the points (a 2D canvas; nothing to compile). The layers stay pydeck's
# (points_layer / labels_layer / paths_layer), read back here, so the pages and their tests build maps as before.

def _rgba(colour: Any) -> str:
    if isinstance(colour, list | tuple) and len(colour) >= 3:
        alpha = (colour[3] / 255) if len(colour) > 3 else 1
        return f"rgba({int(colour[0])},{int(colour[1])},{int(colour[2])},{alpha:.2f})"
    return "rgba(38,139,210,0.78)"


def _tooltip_fields(tooltip_html: str | None) -> list[str]:
    import re

    return list(dict.fromkeys(re.findall(r"{(\w+)}", tooltip_html or "")))


def _map_frame(data: list[dict], columns: list[str]) -> pd.DataFrame:
    df = pd.DataFrame(data)
    keep = [c for c in dict.fromkeys(["lon", "lat", *columns]) if c in df.columns]
    out = df[keep].copy()
    for c in keep:
        if c not in ("lon", "lat"):
            out[c] = out[c].map(lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v))
    return out


LABEL_ABOVE_PX, LABEL_BELOW_PX = -14, 16


def label_offsets(df: pd.DataFrame) -> list[int]:
    """Each name above its point, or below it when a name already above a point nearby would overlap it
    (neighbouring crossings, two crossings of one junction). Nearby: within a quarter of the map's width and
    4 % of its height, about a label's size on the page."""
    if df.empty:
        return []
    lon_span = max(float(df["lon"].max() - df["lon"].min()), 0.01)
    lat_span = max(float(df["lat"].max() - df["lat"].min()), 0.01)
    placed: list[tuple[float, float, int]] = []
    out = [LABEL_ABOVE_PX] * len(df)
    for i in sorted(range(len(df)), key=lambda i: (-float(df["lat"].iloc[i]), float(df["lon"].iloc[i]))):
        lon, lat = float(df["lon"].iloc[i]), float(df["lat"].iloc[i])
        for dy in (LABEL_ABOVE_PX, LABEL_BELOW_PX):
            if not any(d == dy and abs(lon - x) < lon_span / 4 and abs(lat - y) < lat_span * 0.04
                       for x, y, d in placed):
                out[i] = dy
                break
        placed.append((lon, lat, out[i]))
    return out


def map_layers_chart(layers: list[pdk.Layer], tooltip_html: str | None = None, *, height: int = 420) -> alt.LayerChart:
    """The pydeck layers as one Vega-Lite chart: points (fill colour per row or one colour, size from the radius),
    names above them, routes as lines through their stops; the tooltip shows the fields `tooltip_html` names."""
    fields = _tooltip_fields(tooltip_html)
    charts = []
    for layer in layers:
        kw = layer._kwargs
        data = list(layer.data or [])
        if not data:
            continue
        if layer.type == "PathLayer":
            rows = [{"lon": p[0], "lat": p[1], "name": str(r.get("name", "")), "order": i}
                    for r in data for i, p in enumerate(r.get("path") or [])]
            if rows:
                charts.append(alt.Chart(pd.DataFrame(rows)).mark_line(
                    strokeWidth=3, color=_rgba(kw.get("get_color"))).encode(
                    longitude="lon:Q", latitude="lat:Q", detail="name:N", order="order:Q", tooltip=["name:N"]))
        elif layer.type == "TextLayer":
            text = kw.get("get_text")
            df = _map_frame(data, [text])
            df["dy"] = label_offsets(df)
            for dy, part in df.groupby("dy"):
                charts.append(alt.Chart(part).mark_text(dy=dy, fontSize=12, color=_rgba(kw.get("get_color")),
                                                        font="Noto Sans CJK KR, Noto Sans KR, sans-serif").encode(
                    longitude="lon:Q", latitude="lat:Q", text=f"{text}:N"))
        else:  # ScatterplotLayer
            fill = kw.get("get_fill_color")
            df = _map_frame(data, fields)
            df["fill"] = [_rgba(r.get(fill)) for r in data] if isinstance(fill, str) else _rgba(fill)
            size = min(max(float(kw.get("get_radius") or 120) * 0.6, 40.0), 220.0)  # area in px²
            tips = [f"{f}:N" for f in fields if f in df.columns]
            charts.append(alt.Chart(df).mark_circle(size=size, opacity=1, stroke="white", strokeWidth=1).encode(
                longitude="lon:Q", latitude="lat:Q", color=alt.Color("fill:N", scale=None),
                tooltip=tips or alt.value(None)))
    if not charts:
        charts.append(alt.Chart(pd.DataFrame({"lon": [POHANG_VIEW["longitude"]], "lat": [POHANG_VIEW["latitude"]]}))
                      .mark_point(opacity=0).encode(longitude="lon:Q", latitude="lat:Q"))
    return alt.layer(*charts).project(type="mercator").properties(height=height).configure_view(stroke=None)
