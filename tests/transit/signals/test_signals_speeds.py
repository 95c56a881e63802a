"""Robust walking-speed estimation: noise, missing points, detector jumps, a walker who stops."""

import random

import pytest

from services.transit.signals import speeds


def walk(speed, seconds, *, dt=0.5, start=0.0, x0=0.0):
    return [(start + i * dt, x0 + speed * i * dt) for i in range(int(seconds / dt) + 1)]


def test_noisy_positions_still_give_the_speed():
    rng = random.Random(1)
    pts = [(t, x + rng.gauss(0, 0.15)) for t, x in walk(0.8, 12)]
    assert speeds.current_speed(pts) == pytest.approx(0.8, abs=0.08)
    assert speeds.walking_speed(pts) == pytest.approx(0.8, abs=0.08)


def test_missing_points_and_unsorted_duplicates():
    rng = random.Random(2)
    pts = [p for p in walk(0.7, 15) if rng.random() > 0.4]
    pts = pts + pts[:5]
    rng.shuffle(pts)
    assert speeds.walking_speed(pts) == pytest.approx(0.7, abs=0.03)
    assert speeds.current_speed(pts) == pytest.approx(0.7, abs=0.03)


def test_a_detector_jump_is_ignored():
    pts = walk(0.75, 10)
    pts[8] = (pts[8][0], pts[8][1] + 6.0)  # a wrong blob for one frame
    pts[14] = (pts[14][0], float("nan"))
    assert speeds.walking_speed(pts) == pytest.approx(0.75, abs=0.05)
    cleaned = speeds.clean_points(pts)
    assert pts[8] not in cleaned and len(cleaned) == len(pts) - 2
    assert speeds.current_speed(pts[:10]) == pytest.approx(0.75, abs=0.05)  # jump inside the window


def test_walker_who_stops_reads_as_stopped_now_but_keeps_their_walking_speed():
    first = walk(0.9, 6)
    stop = [(first[-1][0] + 0.5 * i, first[-1][1]) for i in range(1, 13)]  # 6 s standing
    pts = first + stop
    assert speeds.current_speed(pts) == pytest.approx(0.0, abs=0.05)
    resumed = pts + walk(0.9, 6, start=stop[-1][0] + 0.5, x0=stop[-1][1])
    assert speeds.walking_speed(resumed) == pytest.approx(0.9, abs=0.08)
    naive = (resumed[-1][1] - resumed[0][1]) / (resumed[-1][0] - resumed[0][0])
    assert naive < 0.75  # what a plain average would have put into the review


def test_too_little_evidence_is_none():
    assert speeds.current_speed([(0.0, 1.0)]) is None
    assert speeds.walking_speed([(0.0, 1.0), (0.5, 1.4)]) is None


def test_percentile_matches_numpy_linear():
    import numpy as np

    vals = [0.5, 0.9, 0.7, 1.2, 1.1, 0.8, 1.3]
    assert speeds.percentile(vals, 15) == pytest.approx(float(np.percentile(vals, 15)))
    assert speeds.percentile([], 15) is None
