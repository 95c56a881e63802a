"""Control indicators as Simple defines them, per Seoul month, per centre / district / city, in ONE query that
groups per centre (districts and the city are sums of centres), with small-cell suppression by viewer.

Definitions (simpledotorg/simple-server, WHO HEARTS; DOMAIN.md), for report month M:
- registered: residents registered before the end of M (alive, not merged); new_registrations: during M.
- lost_to_follow_up: registered before M-11 and no reading (a visit) in the 12 months M-11..M.
- under_care: registered - lost_to_follow_up.
- denominator: registered before M-2 (>= 3 months ago), not lost to follow-up.
- controlled: latest BP in M-2..M < 140/90; uncontrolled: >= 140 or >= 90; visited_no_bp: a visit in
  M-2..M but no BP; missed_visit: no visit in M-2..M. The four sum to the denominator.
- glucose bands (Simple's diabetes report): among the denominator, latest glucose in M-2..M below 200,
  200-299, 300+ (fasting: below 126, 126-199, 200+).
"""

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from services.common.db import UTCDateTime
from services.common.suppression import protect
from services.health_hubs.centres.domain import DISTRICTS, all_centres
from services.health_hubs.indicators.domain import SMALL_CELL, windows
from services.health_hubs.readings.rules import RuleSet

COUNT_KEYS = ("registered", "new_registrations", "lost_to_follow_up", "under_care", "denominator", "controlled",
              "uncontrolled", "missed_visit", "visited_no_bp", "glucose_measured", "glucose_band1",
              "glucose_band2", "glucose_band3")
RATES = {  # rate -> (numerator, denominator)
    "controlled_rate": ("controlled", "denominator"),
    "uncontrolled_rate": ("uncontrolled", "denominator"),
    "missed_visit_rate": ("missed_visit", "denominator"),
    "visited_no_bp_rate": ("visited_no_bp", "denominator"),
    "lost_to_follow_up_rate": ("lost_to_follow_up", "registered"),
    "glucose_band1_rate": ("glucose_band1", "glucose_measured"),
    "glucose_band2_rate": ("glucose_band2", "glucose_measured"),
    "glucose_band3_rate": ("glucose_band3", "glucose_measured"),
}

# SQLite: one pass over the 3-month window, the latest reading per (resident, kind) by a window function.
_STATUS_WINDOWED = """
WITH latest AS (
  SELECT resident_id, kind, systolic, diastolic, glucose_mg_dl, meal_context FROM (
    SELECT r.resident_id, r.kind, r.systolic, r.diastolic, r.glucose_mg_dl, r.meal_context,
           ROW_NUMBER() OVER (PARTITION BY r.resident_id, r.kind ORDER BY r.measured_at DESC, r.id DESC) AS rn
    FROM reading r
    WHERE r.deleted_at IS NULL AND r.measured_at >= :start3 AND r.measured_at < :end AND r.received_at <= :as_of
  ) ranked WHERE rn = 1
), per AS (
  SELECT resident_id, 1 AS seen,
    MAX(CASE WHEN kind = 'bp' THEN systolic END) AS sys,
    MAX(CASE WHEN kind = 'bp' THEN diastolic END) AS dia,
    MAX(CASE WHEN kind = 'glucose' THEN glucose_mg_dl END) AS glu,
    MAX(CASE WHEN kind = 'glucose' THEN meal_context END) AS meal
  FROM latest GROUP BY resident_id
), status AS MATERIALIZED (
  SELECT p.centre_id, p.registered_at, v.seen, v.sys, v.dia, v.glu, v.meal,
    CASE WHEN v.seen IS NULL AND p.registered_at < :start12 AND NOT EXISTS (
      SELECT 1 FROM reading r2 WHERE r2.resident_id = p.id AND r2.deleted_at IS NULL
      AND r2.measured_at >= :start12 AND r2.measured_at < :start3 AND r2.received_at <= :as_of) THEN 1 ELSE 0
    END AS ltfu
  FROM resident p LEFT JOIN per v ON v.resident_id = p.id
  WHERE p.status <> 'merged' AND p.registered_at < :end AND (p.died_at IS NULL OR p.died_at >= :end) {place}
)"""

# PostgreSQL: per resident, the latest BP and the latest glucose reading of the window by two LATERAL LIMIT 1
# probes that walk the covering index ix_reading_resident_measured (resident_id, measured_at, id) INCLUDE (kind,
# deleted_at, received_at, BP and glucose fields) backwards and stop at the first match: index-only, no window
# scan, no sort; the cost grows with residents, not with readings. Residents are taken in id order, so the
# probes walk the index in its own order (fewer pages touched twice). Same definitions as above, row for row.
_STATUS_LATERAL = """
WITH status AS MATERIALIZED (
  SELECT p.centre_id, p.registered_at, COALESCE(bp.seen, g.seen) AS seen, bp.systolic AS sys,
    bp.diastolic AS dia, g.glucose_mg_dl AS glu, g.meal_context AS meal,
    CASE WHEN bp.seen IS NULL AND g.seen IS NULL AND p.registered_at < :start12 AND NOT EXISTS (
      SELECT 1 FROM reading r2 WHERE r2.resident_id = p.id AND r2.deleted_at IS NULL
      AND r2.measured_at >= :start12 AND r2.measured_at < :start3 AND r2.received_at <= :as_of) THEN 1 ELSE 0
    END AS ltfu
  FROM (
    SELECT p.id, p.centre_id, p.registered_at FROM resident p
    WHERE p.status <> 'merged' AND p.registered_at < :end AND (p.died_at IS NULL OR p.died_at >= :end) {place}
    ORDER BY p.id) p
  LEFT JOIN LATERAL (
    SELECT 1 AS seen, r.systolic, r.diastolic FROM reading r
    WHERE r.resident_id = p.id AND r.measured_at >= :start3 AND r.measured_at < :end AND r.kind = 'bp'
      AND r.deleted_at IS NULL AND r.received_at <= :as_of
    ORDER BY r.measured_at DESC, r.id DESC LIMIT 1) bp ON true
  LEFT JOIN LATERAL (
    SELECT 1 AS seen, r.glucose_mg_dl, r.meal_context FROM reading r
    WHERE r.resident_id = p.id AND r.measured_at >= :start3 AND r.measured_at < :end AND r.kind = 'glucose'
      AND r.deleted_at IS NULL AND r.received_at <= :as_of
    ORDER BY r.measured_at DESC, r.id DESC LIMIT 1) g ON true
)"""

# Both: the residents' statuses summed per centre (a reading is bp or glucose, so `seen` is a visit in M-2..M).
_COUNTS = """, den AS (
  SELECT centre_id, ltfu,
    CASE WHEN registered_at >= :month_start THEN 1 ELSE 0 END AS new_reg,
    CASE WHEN registered_at < :registered_before AND ltfu = 0 THEN 1 ELSE 0 END AS d,
    CASE WHEN seen IS NOT NULL THEN 1 ELSE 0 END AS visited3, sys, dia, glu,
    CASE WHEN meal = 'fasting' THEN :gf1 ELSE :gr1 END AS gcut1,
    CASE WHEN meal = 'fasting' THEN :gf2 ELSE :gr2 END AS gcut2
  FROM status
)
SELECT centre_id,
  COUNT(*) AS registered,
  SUM(new_reg) AS new_registrations,
  SUM(ltfu) AS lost_to_follow_up,
  SUM(1 - ltfu) AS under_care,
  SUM(d) AS denominator,
  SUM(CASE WHEN d = 1 AND sys IS NOT NULL AND sys < :c_sys AND dia < :c_dia THEN 1 ELSE 0 END) AS controlled,
  SUM(CASE WHEN d = 1 AND sys IS NOT NULL AND (sys >= :c_sys OR dia >= :c_dia) THEN 1 ELSE 0 END) AS uncontrolled,
  SUM(CASE WHEN d = 1 AND visited3 = 0 THEN 1 ELSE 0 END) AS missed_visit,
  SUM(CASE WHEN d = 1 AND visited3 = 1 AND sys IS NULL THEN 1 ELSE 0 END) AS visited_no_bp,
  SUM(CASE WHEN d = 1 AND glu IS NOT NULL THEN 1 ELSE 0 END) AS glucose_measured,
  SUM(CASE WHEN d = 1 AND glu IS NOT NULL AND glu < gcut1 THEN 1 ELSE 0 END) AS glucose_band1,
  SUM(CASE WHEN d = 1 AND glu IS NOT NULL AND glu >= gcut1 AND glu < gcut2 THEN 1 ELSE 0 END) AS glucose_band2,
  SUM(CASE WHEN d = 1 AND glu IS NOT NULL AND glu >= gcut2 THEN 1 ELSE 0 END) AS glucose_band3
FROM den GROUP BY centre_id
"""

_TIMES = ("start3", "start12", "end", "as_of", "month_start", "registered_before")


def centre_counts(conn: Connection, *, month: str, rules: RuleSet, as_of: datetime,
                  district: str | None = None, centre_id: str | None = None,
                  method: str | None = None) -> dict[str, dict[str, int]]:
    """{centre_id: {count key: n}} for one report month. `method`: "lateral" (PostgreSQL only; its default) or
    "window" (the default elsewhere); both give the same counts (tests/health_hubs/indicators/test_indicators.py)."""
    postgres = conn.dialect.name == "postgresql"
    method = method or ("lateral" if postgres else "window")
    w = windows(month)
    place, extra = "", {}
    if centre_id:
        place, extra = "AND p.centre_id = :centre_id", {"centre_id": centre_id}
    elif district:
        place, extra = "AND p.district = :district", {"district": district}
    if postgres:
        # JIT compiles this query for longer than it runs; the status CTE is materialised so that its
        # correlated EXISTS is evaluated once per resident, not once per SUM.
        conn.execute(text("SET LOCAL jit = off"))
        if method == "window":
            conn.execute(text("SET LOCAL work_mem = '64MB'"))  # the window sort stays in memory
    sql = (_STATUS_LATERAL if method == "lateral" else _STATUS_WINDOWED) + _COUNTS
    stmt = text(sql.format(place=place)).bindparams(*(bindparam(n, type_=UTCDateTime()) for n in _TIMES))
    gf1, gf2 = rules.glucose_indicator_bands["fasting"]
    gr1, gr2 = rules.glucose_indicator_bands["random"]
    rows = conn.execute(stmt, {
        "start3": w.start3, "start12": w.start12, "end": w.end, "as_of": as_of, "month_start": w.month_start,
        "registered_before": w.registered_before, "c_sys": rules.controlled_below[0],
        "c_dia": rules.controlled_below[1], "gf1": gf1, "gf2": gf2, "gr1": gr1, "gr2": gr2, **extra,
    }).mappings().all()
    return {row["centre_id"]: {k: int(row[k] or 0) for k in COUNT_KEYS} for row in rows}


@dataclass
class Cell:
    level: str  # centre | district | city
    id: str
    month: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
    name: str | None = None
    district: str | None = None

    def add(self, other: dict[str, int]) -> None:
        for k in COUNT_KEYS:
            self.counts[k] += other.get(k, 0)


def build_cells(per_centre: dict[str, dict[str, int]], *, month: str, level: str,
                only: str | None = None) -> list[Cell]:
    centres = all_centres()
    if level == "centre":
        ids = [only] if only else sorted(centres)
        cells = []
        for cid in ids:
            c = centres[cid]
            cell = Cell("centre", cid, month, name=c.name, district=c.district)
            cell.add(per_centre.get(cid, {}))
            cells.append(cell)
        return cells
    if level == "district":
        cells = {d: Cell("district", d, month, name=d, district=d) for d in DISTRICTS if not only or d == only}
        for cid, counts in per_centre.items():
            d = centres[cid].district if cid in centres else None
            if d in cells:
                cells[d].add(counts)
        return list(cells.values())
    city = Cell("city", "Pohang", month, name="Pohang")
    for counts in per_centre.values():
        city.add(counts)
    return [city]


# Sums that hold inside every cell (the definitions above), which an official can subtract.
WITHIN_CELL = (("registered", ("under_care", "lost_to_follow_up")),
               ("denominator", ("controlled", "uncontrolled", "missed_visit", "visited_no_bp")),
               ("glucose_measured", ("glucose_band1", "glucose_band2", "glucose_band3")))


def all_cells(per_centre: dict[str, dict[str, int]], *, month: str) -> list[Cell]:
    """Every cell an official can ask for in one month: each centre, each district, the city."""
    return [*build_cells(per_centre, month=month, level="centre"),
            *build_cells(per_centre, month=month, level="district"),
            *build_cells(per_centre, month=month, level="city")]


def suppression_table(cells: list[Cell]) -> tuple[dict, list]:
    """Cells as {(level, id, key): n} and every sum between them: inside each cell, district = its centres,
    city = its districts (so city = all centres follows)."""
    values = {(c.level, c.id, k): v for c in cells for k, v in c.counts.items()}
    equations = []
    for c in cells:
        for total, parts in WITHIN_CELL:
            equations.append(((c.level, c.id, total), [(c.level, c.id, p) for p in parts]))
    centres = [c for c in cells if c.level == "centre"]
    districts = [c for c in cells if c.level == "district"]
    for key in COUNT_KEYS:
        for d in districts:
            equations.append((("district", d.id, key), [("centre", c.id, key) for c in centres if c.district == d.id]))
        equations.append((("city", "Pohang", key), [("district", d.id, key) for d in districts]))
    return values, equations


def suppression_graph(cells: list[Cell]) -> dict:
    """The same sums as a directed graph, each cell an edge between the two sums it is in. The district's and the
    city's own within-cell sums follow from the centres' (sum them over the centres), so they add nothing and are
    left out; then every centre cell joins its centre's within-cell sum and its district's column, every district
    cell its district's column and the city's, and the city's cell the city's column and the ground (a count in
    one sum only). See services.common.suppression.bridges."""
    group_of = {k: i for i, (total, parts) in enumerate(WITHIN_CELL) for k in (total, *parts)}
    edges = {}
    for c in cells:
        for k in c.counts:
            if c.level == "centre":
                row = ("row", c.id, group_of[k]) if k in group_of else "ground"
                edges[("centre", c.id, k)] = (row, ("col", c.district, k))
            elif c.level == "district":
                edges[("district", c.id, k)] = (("col", c.id, k), ("city", k))
            else:
                edges[("city", c.id, k)] = (("city", k), "ground")
    return edges


def hidden_cells(cells: list[Cell], *, known_centre: str | None = None) -> set:
    """What to hide for one viewer: small counts, and enough others that no subtraction across centre, district
    and city (or inside a cell) recovers one. A centre's own staff know their centre's numbers, so those are
    treated as published when checking what the rest gives away."""
    values, equations = suppression_table(cells)
    known = {k for k in values if k[0] == "centre" and k[1] == known_centre} if known_centre else set()
    return protect(values, equations, small=SMALL_CELL, known=known, edges=suppression_graph(cells))


def render(cell: Cell, *, hidden: set) -> dict:
    """The cell as the API answers it: each count and rate as {value, suppressed}; a suppressed value is null."""
    mine = {k for (level, id_, k) in hidden if level == cell.level and id_ == cell.id}
    counts = {k: {"value": None if k in mine else v, "suppressed": k in mine} for k, v in cell.counts.items()}
    rates = {}
    for name, (num, den) in RATES.items():
        if num in mine or den in mine:
            rates[name] = {"value": None, "suppressed": True}
        else:
            d = cell.counts[den]
            rates[name] = {"value": round(100.0 * cell.counts[num] / d, 1) if d else None, "suppressed": False}
    return {"level": cell.level, "id": cell.id, "name": cell.name, "district": cell.district, "month": cell.month,
            "counts": counts, "rates": rates}


def known_centre(principal) -> str | None:
    """Only a centre's own staff see its small numbers."""
    if principal.kind == "user" and principal.role == "centre_staff":
        return principal.centre_id
    return None


def indicators(conn: Connection, *, principal, month: str, level: str, only: str | None, rules: RuleSet,
               as_of: datetime) -> list[dict]:
    """The asked cells, suppressed against every other cell of the month (all centres are counted even for one
    centre's answer: the pattern must be the same whichever level is asked, or two answers would undo it)."""
    per_centre = centre_counts(conn, month=month, rules=rules, as_of=as_of)
    hidden = _hidden_for(month, _counts_key(per_centre), known_centre(principal))
    return [render(c, hidden=hidden) for c in build_cells(per_centre, month=month, level=level, only=only)]


def _counts_key(per_centre: dict[str, dict[str, int]]) -> tuple:
    return tuple(sorted((cid, tuple(counts.get(k, 0) for k in COUNT_KEYS)) for cid, counts in per_centre.items()))


@lru_cache(maxsize=256)
def _hidden_for(month: str, counts: tuple, known: str | None) -> frozenset:
    """hidden_cells of one month's counts, kept: what to hide is a function of the counts alone (and of whose
    centre is known), so a month whose counts have not changed since it was last asked is not solved again. The
    counts are always counted afresh; a new reading changes them and so the key. A series asks for 12 months and
    the overview for 2, every time: most of their time was this (issue 16)."""
    per_centre = {cid: dict(zip(COUNT_KEYS, values, strict=True)) for cid, values in counts}
    return frozenset(hidden_cells(all_cells(per_centre, month=month), known_centre=known))
