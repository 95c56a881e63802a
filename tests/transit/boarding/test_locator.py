"""BlazeFace, the door's face locator: its decoding (pure, on hand-made model outputs), and on real frames that it
points HOG at the face the whole scan finds, and that the door falls back to the whole scan when it points at
nothing HOG can confirm or finds nothing."""

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from services.transit.boarding import faces, locator

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures/faces"
KW = dict(max_bytes=10**8, max_pixels=10**8, min_face_px=80, largest_only=True)


def test_anchors_are_the_centres_of_a_48_by_48_grid_row_by_row():
    a = locator.anchors()
    assert a.shape == (48 * 48, 2)
    assert a[0].tolist() == [2.0, 2.0] and a[1].tolist() == [6.0, 2.0] and a[48].tolist() == [2.0, 6.0]
    assert a[-1].tolist() == [190.0, 190.0]


def _outputs(cells: dict[int, tuple[float, float, float, float, float]]) -> tuple[np.ndarray, np.ndarray]:
    """Model outputs with the given anchors set: (dx, dy, w, h, logit); every other anchor scores -10."""
    boxes = np.zeros((48 * 48, 16), dtype=np.float32)
    scores = np.full((48 * 48, 1), -10.0, dtype=np.float32)
    for i, (dx, dy, w, h, logit) in cells.items():
        boxes[i, :4] = (dx, dy, w, h)
        scores[i] = logit
    return boxes, scores


def test_decode_places_a_box_around_its_anchor_and_keeps_only_confident_ones():
    boxes, scores = _outputs({0: (1.0, -1.0, 20.0, 10.0, 3.0), 100: (0, 0, 30, 30, -1.0)})
    out = locator.decode(boxes, scores)
    assert out.shape == (1, 5)  # the second scores sigmoid(-1) = 0.27 < 0.5
    left, top, right, bottom, score = out[0]
    assert (left, top, right, bottom) == pytest.approx((2 + 1 - 10, 2 - 1 - 5, 2 + 1 + 10, 2 - 1 + 5))
    assert score == pytest.approx(1 / (1 + np.exp(-3.0)))
    # a box of no width is no face, however confident
    assert len(locator.decode(*_outputs({5: (0, 0, 0.0, 10.0, 8.0)}))) == 0
    # huge logits do not overflow
    assert locator.decode(*_outputs({5: (0, 0, 10, 10, 1e6)}))[0, 4] == pytest.approx(1.0)


def test_suppress_keeps_the_best_of_each_overlapping_cluster():
    d = np.array([[0, 0, 10, 10, 0.6], [1, 1, 11, 11, 0.9], [50, 50, 60, 60, 0.7], [0, 0, 10, 10, 0.55]])
    kept = locator.suppress(d)
    assert kept[:, 4].tolist() == [0.9, 0.7]
    # overlapping by a third (over 0.3): one stays; by a quarter: both
    assert len(locator.suppress(np.array([[0, 0, 10, 10, 0.9], [0, 5, 10, 15, 0.8]]))) == 1
    assert len(locator.suppress(np.array([[0, 0, 10, 10, 0.9], [0, 6, 10, 16, 0.8]]))) == 2


def test_letterbox_centres_the_frame_and_maps_back():
    rgb = np.zeros((720, 1280, 3), dtype=np.uint8)
    rgb[:, :, 0] = 255
    tensor, scale, ox, oy = locator.letterbox(rgb)
    assert tensor.shape == (1, 192, 192, 3) and tensor.dtype == np.float32
    assert scale == pytest.approx(0.15) and ox == 0 and oy == (192 - 108) // 2
    assert tensor[0, 0, 0].tolist() == [-1.0, -1.0, -1.0]  # the padding is black
    assert tensor[0, 96, 96].tolist() == pytest.approx([1.0, -1.0, -1.0])


def test_blazeface_finds_the_face_hog_finds_in_a_door_frame():
    rgb = faces.decode((FIXTURES / "frames/obama-720p.jpg").read_bytes(), max_bytes=10**8, max_pixels=10**8)
    found = locator.BlazeFace().locate(rgb)
    whole = faces.analyse(rgb, min_face_px=80).largest()
    assert len(found) == 1
    top, right, bottom, left = whole.box
    fl, ft, fr, fb, score = found[0]
    inter = max(0, min(fr, right) - max(fl, left)) * max(0, min(fb, bottom) - max(ft, top))
    union = (fr - fl) * (fb - ft) + (right - left) * (bottom - top) - inter
    assert inter / union > 0.6 and score > 0.8


def test_blazeface_finds_no_face_in_a_picture_without_one():
    rgb = faces.decode((FIXTURES / "_noface/3.jpg").read_bytes(), max_bytes=10**8, max_pixels=10**8)
    assert locator.BlazeFace().locate(rgb) == []


def test_the_located_door_reading_is_the_whole_scans_face_from_a_small_crop(monkeypatch):
    data = (FIXTURES / "frames/obama-720p.jpg").read_bytes()
    whole = faces.read_frame(data, **KW).largest()
    scanned: list[int] = []
    hog = faces._load("detector")
    monkeypatch.setitem(faces._loaded, "detector", lambda image, *a: scanned.append(image.size // 3) or hog(image, *a))
    timings: dict = {}
    located = faces.read_frame(data, locate_first=True, timings=timings, **KW).largest()
    assert "locate" in timings and set(timings) >= {"decode", "detect", "landmarks", "encode"}
    assert abs(located.size_px - whole.size_px) <= whole.size_px // 10
    assert float(np.linalg.norm(located.encoding - whole.encoding)) < 0.1
    # HOG scanned one crop around the face, a fifth of the frame or less, not the frame
    assert len(scanned) == 1 and scanned[0] <= 1280 * 720 / 5


def _frame_with_a_face_far_off(zoom: float) -> bytes:
    image = Image.open(FIXTURES / "frames/obama-720p.jpg").convert("RGB")
    canvas = Image.new("RGB", (1280, 720), (90, 90, 90))
    canvas.paste(image.resize((round(1280 * zoom), round(720 * zoom))), (40, 300))
    buf = io.BytesIO()
    canvas.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def test_where_the_locator_points_at_nothing_hog_confirms_the_whole_scan_decides(monkeypatch):
    """A locator that points at the empty corner (as a poster or a reflection may make it do): HOG finds nothing in
    that crop, and the door's reading is the whole scan's, not the locator's box and not nothing."""
    data = _frame_with_a_face_far_off(0.55)
    whole = faces.read_frame(data, **KW).largest()
    assert whole is not None

    class PointsAtTheCorner:
        def locate(self, rgb):
            return [(1100, 20, 1250, 170, 0.99)]

    monkeypatch.setitem(faces._loaded, "locator", PointsAtTheCorner())
    located = faces.read_frame(data, locate_first=True, **KW).largest()
    assert located.box == whole.box and np.array_equal(located.encoding, whole.encoding)


def test_where_the_locator_finds_nothing_the_whole_scan_decides(monkeypatch):
    data = _frame_with_a_face_far_off(0.55)
    whole = faces.read_frame(data, **KW).largest()

    class FindsNothing:
        def locate(self, rgb):
            return []

    monkeypatch.setitem(faces._loaded, "locator", FindsNothing())
    located = faces.read_frame(data, locate_first=True, **KW).largest()
    assert located.box == whole.box and np.array_equal(located.encoding, whole.encoding)


def test_small_frames_keep_their_upsampled_scan():
    """A frame no larger than the detector's copy (240p) is scanned upsampled, as before: the locator is not asked
    (BlazeFace's 192-px input would see its faces no better than HOG does)."""
    data = (FIXTURES / "frames/obama-240p.jpg").read_bytes()
    timings: dict = {}
    located = faces.read_frame(data, locate_first=True, timings=timings, **KW).largest()
    whole = faces.read_frame(data, **KW).largest()
    assert "locate" not in timings and np.array_equal(located.encoding, whole.encoding)
