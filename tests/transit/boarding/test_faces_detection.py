"""Where the detector looks: the scans a photo gets (pure), and on real photos that the door's largest-face
reading gives the very template the whole reading gives, and what the opt-in coarse-first scan changes."""

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from services.transit.boarding import faces

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures/faces"
KW = dict(max_bytes=10**8, max_pixels=10**8, min_face_px=80)


def test_a_door_frame_is_scanned_once_unless_coarse_first_is_asked_for():
    assert faces.detection_scans(720, 1280, min_face_px=80) == [(1.0, 0)]
    assert faces.detection_scans(720, 1280, min_face_px=80, coarse_first=True) == [(0.5, 0), (1.0, 0)]
    assert faces.detection_scans(720, 1280, min_face_px=160, coarse_first=True) == [(0.25, 0), (0.5, 0)]
    # a small photo keeps its one upsampled scan: a coarser copy would find nothing the size gates accept
    assert faces.detection_scans(250, 250, min_face_px=80, coarse_first=True) == [(1.0, 1)]
    assert faces.detection_scans(720, 1280, min_face_px=None, coarse_first=True) == [(0.5, 1)]


def _jpeg(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def _two_riders() -> bytes:
    """A 1280x720 door frame: one rider near the reader (large face), another behind (smaller)."""
    canvas = Image.new("RGB", (1280, 720), (90, 90, 90))
    near = Image.open(FIXTURES / "people/obama/1.jpg").convert("RGB").resize((560, 700))
    far = Image.open(FIXTURES / "people/kit_harington/2.jpg").convert("RGB").resize((300, 178))
    canvas.paste(near, (60, 10))
    canvas.paste(far, (820, 300))
    return _jpeg(canvas)


@pytest.mark.parametrize("frame", ["720p", "two_riders"])
def test_the_door_reading_of_the_largest_face_is_the_whole_readings_largest_face(frame):
    data = (FIXTURES / "frames/obama-720p.jpg").read_bytes() if frame == "720p" else _two_riders()
    whole = faces.read_frame(data, **KW)
    door = faces.read_frame(data, largest_only=True, **KW)
    if frame == "two_riders":
        assert len(whole.faces) == 2  # the frame is what the test says it is
    assert len(door.faces) == 1
    assert door.largest().box == whole.largest().box
    assert np.array_equal(door.largest().encoding, whole.largest().encoding)


def test_coarse_first_finds_the_near_face_at_the_size_the_whole_scan_gives_it():
    data = (FIXTURES / "frames/obama-720p.jpg").read_bytes()
    whole, coarse = faces.read_frame(data, **KW).largest(), faces.read_frame(
        data, largest_only=True, coarse_first=True, **KW).largest()
    timings: dict = {}
    faces.read_frame(data, largest_only=True, coarse_first=True, timings=timings, **KW)
    assert coarse.size_px == whole.size_px  # placed by the finer scan on a crop
    assert float(np.linalg.norm(coarse.encoding - whole.encoding)) < 0.1
    assert set(timings) >= {"decode", "resize", "detect", "landmarks", "encode"}


def test_coarse_first_scans_the_whole_frame_when_the_face_is_too_small_for_the_coarse_copy():
    image = Image.open(FIXTURES / "frames/obama-720p.jpg").convert("RGB")
    canvas = Image.new("RGB", (1280, 720), (90, 90, 90))
    canvas.paste(image.resize((704, 396)), (300, 150))  # the 179-px face at 0.55: ~98 px, under twice 80
    data = _jpeg(canvas)
    whole = faces.read_frame(data, **KW).largest()
    coarse = faces.read_frame(data, largest_only=True, coarse_first=True, **KW).largest()
    assert whole is not None and whole.size_px < 160
    assert coarse.box == whole.box and np.array_equal(coarse.encoding, whole.encoding)


def test_dlib_is_only_handed_contiguous_pictures(monkeypatch):
    """dlib reads a strided numpy view's rows wrongly: the coarse-first crop, handed over as a view, gave the same
    frame's face as 179 or 208 px at random (about one read in five, in a plain Python loop)."""
    handed: list[bool] = []

    class Watching:
        def __init__(self, real):
            self.real = real

        def __call__(self, image, *args):
            handed.append(isinstance(image, np.ndarray) and image.flags.c_contiguous)
            return self.real(image, *args)

        def __getattr__(self, name):
            return getattr(self.real, name)

    for key in ("detector", "sp5"):
        monkeypatch.setitem(faces._loaded, key, Watching(faces._load(key)))
    data = (FIXTURES / "frames/obama-720p.jpg").read_bytes()
    for kw in ({}, {"largest_only": True}, {"largest_only": True, "coarse_first": True}):
        assert faces.read_frame(data, **kw, **KW).largest() is not None
    assert len(handed) >= 5 and all(handed), handed
