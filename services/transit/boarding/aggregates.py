"""Ridership aggregates with suppression that arithmetic cannot undo (services/common/suppression.py).

Each local day is one table: the day's boardings are the sum of its routes, of its hours, of its concessions and of
its decisions; a route is the sum of its stops; free rides and flagged boardings, when on that day they are
exactly some concessions or decisions (seniors ride free), are that sum too. Small counts are hidden, then enough
others that no subtraction recovers one, and the total itself when small (found: a day whose only route was
hidden published its total of 2).

A period longer than a day publishes each cell as the sum of the days' cells, and hides it if any day hides it:
then everything a period shows is a sum of what the days show, so no two periods (nor a period and its days)
subtract to a hidden day's count. The overview's day figures come from the same day table (found: the overview
published free rides 2 while ridership hid the senior share)."""

from collections import Counter, defaultdict
from datetime import date

from services.common.citytime import CITY_ZONE
from services.common.suppression import SMALL_CELL, protect
from services.transit.boarding.domain import Concession, Decision

TOTAL = ("total",)


def _exact_union(rows, predicate, attribute: str, kind: str) -> tuple | None:
    """(cell, parts) when the rows satisfying `predicate` are exactly the rows of some values of `attribute`."""
    chosen = {getattr(r, attribute) for r in rows if predicate(r)}
    if not chosen:
        return None
    if all(predicate(r) for r in rows if getattr(r, attribute) in chosen):
        return [(kind, v) for v in sorted(chosen)]
    return None


def day_table(rows) -> tuple[Counter, list]:
    """One day's cells {key: count} and the sums between them."""
    values: Counter = Counter()
    stops_of: dict = defaultdict(set)
    for r in rows:
        values[TOTAL] += 1
        values[("route", r.route_id)] += 1
        stop = f"{r.route_id}/{r.stop_id}"
        values[("stop", stop)] += 1
        stops_of[r.route_id].add(stop)
        values[("hour", f"{r.occurred_at.astimezone(CITY_ZONE).hour:02d}")] += 1
        values[("concession", r.concession)] += 1
        values[("decision", r.decision)] += 1
        values[("flagged",)] += bool(r.flagged)
        values[("reviewed",)] += r.review_outcome == "confirmed_misuse"
        values[("free",)] += r.fare_krw == 0
    keys = list(values)
    equations = [
        (TOTAL, [k for k in keys if k[0] == "route"]),
        (TOTAL, [k for k in keys if k[0] == "hour"]),
        (TOTAL, [("concession", c.value) for c in Concession] + [k for k in keys if k[0] == "concession"
                                                                    and k[1] not in set(Concession)]),
        (TOTAL, [("decision", d.value) for d in Decision] + [k for k in keys if k[0] == "decision"
                                                               and k[1] not in set(Decision)]),
        *(((("route", route), [("stop", s) for s in sorted(stops)]) for route, stops in stops_of.items())),
    ]
    for cell, predicate in ((("free",), lambda r: r.fare_krw == 0), (("flagged",), lambda r: bool(r.flagged))):
        for attribute, kind in (("concession", "concession"), ("decision", "decision")):
            parts = _exact_union(rows, predicate, attribute, kind)
            if parts:
                equations.append((cell, parts))
    equations = [(t, list(dict.fromkeys(p))) for t, p in equations]
    return values, equations


def day_hidden(values: Counter, equations: list, *, min_cell: int) -> set:
    return protect(values, equations, small=min_cell)


def period_cells(rows, *, min_cell: int = SMALL_CELL) -> tuple[Counter, set]:
    """Summed cells of a period and the cells to hide (hidden on any of its days)."""
    by_day: dict[date, list] = defaultdict(list)
    for r in rows:
        by_day[r.occurred_at.astimezone(CITY_ZONE).date()].append(r)
    values: Counter = Counter()
    hidden: set = set()
    for day_rows in by_day.values():
        day_values, equations = day_table(day_rows)
        hidden |= day_hidden(day_values, equations, min_cell=min_cell)
        values.update(day_values)
    return values, hidden


def shown(values: Counter, hidden: set, key) -> int | None:
    return None if key in hidden else values.get(key, 0)


def ridership_answer(rows, *, day_from: date, day_to: date, min_cell: int = SMALL_CELL) -> dict:
    values, hidden = period_cells(rows, min_cell=min_cell)

    def cells(kind: str) -> list[dict]:
        out = []
        for key in sorted(k for k in values if k[0] == kind):
            value = shown(values, hidden, key)
            out.append({"key": key[1], "boardings": value, "suppressed": value is None})
        return out

    total = shown(values, hidden, TOTAL)
    share = {}
    for c in Concession:
        count = shown(values, hidden, ("concession", c.value))
        share[c.value] = round(count / total, 4) if total and count is not None else None
    return {
        "date_from": day_from.isoformat(), "date_to": day_to.isoformat(), "total": total, "min_cell": min_cell,
        "by_route": cells("route"), "by_stop": cells("stop"), "by_hour": cells("hour"),
        "concession_share": share,
        "decisions": {d.value: shown(values, hidden, ("decision", d.value)) for d in Decision},
        "flagged_misuse": shown(values, hidden, ("flagged",)), "reviewed_misuse": shown(values, hidden, ("reviewed",)),
    }


def day_figures_answer(rows, attacks: int, *, min_cell: int = SMALL_CELL) -> dict:
    """The overview's headline counts of one day, from the same suppressed table as ridership."""
    values, hidden = period_cells(rows, min_cell=min_cell)
    verified = shown(values, hidden, ("decision", "verified"))
    mismatch = shown(values, hidden, ("decision", "mismatch"))
    checked = (verified or 0) + (mismatch or 0)
    return {"boardings": shown(values, hidden, TOTAL), "verified": verified, "mismatch": mismatch,
            "identified": shown(values, hidden, ("decision", "identified")),
            "free_rides": shown(values, hidden, ("free",)), "attacks": attacks,
            "verified_share": round(verified / checked, 4) if verified is not None and mismatch is not None
            and checked else None}
