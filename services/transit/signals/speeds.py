"""Robust walking-speed estimation from a detector's track points (time, position along the crossing).

Detectors are noisy, drop frames and now and then jump to a wrong blob; walkers stop in the middle.
So: clean with a Hampel filter (rolling median +- 3 MAD), fit slopes with Theil-Sen (median of pairwise
slopes, robust to ~29% outliers), and leave stops out of the "walking speed" used for design reviews.
Pure functions, no clock: callers pass `now`.
"""

from collections.abc import Iterable, Sequence
from statistics import median

Point = tuple[float, float]  # (t_s, position_m)

MAX_PLAUSIBLE_SPEED_MPS = 3.0  # faster than any walker: a detector jump, not a person
STOPPED_SPEED_MPS = 0.15  # below this a walker is standing (a stop, not a slow walk)


def clean_points(points: Iterable[Sequence[float]], *, window: int = 5, n_mads: float = 3.0,
                 min_dev_m: float = 0.5) -> list[Point]:
    """Sorted, de-duplicated by time, non-finite dropped, and positions far from their neighbours' median
    (a jump) removed."""
    by_t: dict[float, float] = {}
    for t, x in points:
        t, x = float(t), float(x)
        if t == t and x == x and abs(t) != float("inf") and abs(x) != float("inf"):
            by_t[t] = x
    pts = sorted(by_t.items())
    if len(pts) < 3:
        return pts
    half = window // 2
    kept = []
    for i, (t, x) in enumerate(pts):
        neighbours = [p[1] for p in pts[max(0, i - half): i + half + 1]]
        med = median(neighbours)
        mad = median(abs(v - med) for v in neighbours)
        if abs(x - med) <= max(n_mads * 1.4826 * mad, min_dev_m):
            kept.append((t, x))
    return kept


def theil_sen_slope(points: Sequence[Point]) -> float | None:
    slopes = [
        (points[j][1] - points[i][1]) / (points[j][0] - points[i][0])
        for i in range(len(points)) for j in range(i + 1, len(points))
        if points[j][0] - points[i][0] > 1e-6
    ]
    return median(slopes) if slopes else None


def current_speed(points: Iterable[Sequence[float]], *, now: float | None = None, window_s: float = 4.0,
                  min_span_s: float = 0.8) -> float | None:
    """Speed over the last `window_s` seconds (m/s, >= 0), or None with too little evidence.
    A walker who has stopped gets ~0: the controller must then hold, not predict they will leave."""
    pts = clean_points(points)
    if not pts:
        return None
    end = pts[-1][0] if now is None else min(now, pts[-1][0])
    recent = [p for p in pts if p[0] >= end - window_s]
    if len(recent) < 2 or recent[-1][0] - recent[0][0] < min_span_s:
        return None
    slope = theil_sen_slope(recent)
    if slope is None:
        return None
    return min(max(slope, 0.0), MAX_PLAUSIBLE_SPEED_MPS)


def walking_speed(points: Iterable[Sequence[float]], *, window_s: float = 2.0,
                  min_moving_s: float = 2.0) -> float | None:
    """A whole track's walking speed for percentiles: distance over moving time, stops left out.

    The track is cut into `window_s` pieces; each piece's Theil-Sen slope says whether the walker moved.
    None when the track is too short to say."""
    pts = clean_points(points)
    if len(pts) < 3:
        return None
    pieces: list[list[Point]] = []
    start = pts[0][0]
    for p in pts:
        idx = int((p[0] - start) // window_s)
        while len(pieces) <= idx:
            pieces.append([])
        pieces[idx].append(p)
    moving_s = distance_m = 0.0
    prev_last: Point | None = None
    for piece in pieces:
        if not piece:
            continue
        seg = ([prev_last] if prev_last else []) + piece
        prev_last = piece[-1]
        if len(seg) < 2:
            continue
        span = seg[-1][0] - seg[0][0]
        slope = theil_sen_slope(seg)
        if slope is None or span <= 0 or abs(slope) < STOPPED_SPEED_MPS:
            continue
        moving_s += span
        distance_m += abs(slope) * span
    if moving_s < min_moving_s:
        return None
    return min(distance_m / moving_s, MAX_PLAUSIBLE_SPEED_MPS)


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100), as numpy's default."""
    vals = sorted(values)
    if not vals:
        return None
    pos = (len(vals) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(vals) - 1)
    return vals[lo] + (vals[hi] - vals[lo]) * (pos - lo)
