"""Boarding: the decision for one 1280x720 JPEG door frame with one face, on one core.

Ours: services.transit.boarding (decode, HOG on a copy no longer than 640 px, 68 landmarks and the encoding
at full size, presentation-attack check, 1:1 vote against the card holder's templates) beside
face_recognition's own recipe measured in the same run: load_image_file, face_locations on the full frame
(HOG), face_encodings, compare_faces over a list of known encodings. Median and p95.
BOARDING_BENCH_RUNS sets the number of runs (default 30).
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one core, before numpy loads BLAS
os.environ.setdefault("OMP_NUM_THREADS", "1")

import io  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

RUNS = int(os.environ.get("BOARDING_BENCH_RUNS", "30"))
FRAME = ROOT / "tests/fixtures/faces/frames/obama-720p.jpg"
HOLDER = ROOT / "tests/fixtures/faces/people/obama/1.jpg"


def stats(samples) -> tuple[float, float]:
    ms = np.asarray(samples) * 1000
    return float(np.median(ms)), float(np.percentile(ms, 95))


def main() -> None:
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    except (AttributeError, OSError):
        pass
    import face_recognition

    from services.transit.boarding import domain, faces
    from services.transit.settings import TransitSettings

    settings = TransitSettings()
    data = FRAME.read_bytes()
    holder = faces.read_frame(HOLDER.read_bytes(), max_bytes=10**8, max_pixels=10**8).largest().encoding
    known = [holder] + [np.random.default_rng(i).normal(0, 0.09, 128) for i in range(99)]

    def ours():
        frame = faces.read_frame(data, max_bytes=settings.boarding_max_image_bytes,
                                 max_pixels=settings.boarding_max_image_pixels,
                                 detect_max_side=settings.boarding_detect_max_side)
        face = frame.largest()
        domain.presentation_attack([frame.digest], [face.landmarks], min_motion=settings.boarding_liveness_min_motion)
        d = float(domain.distances(np.array([holder]), face.encoding).min())
        return domain.verify_vote([d], verify=settings.boarding_verify_threshold,
                                  mismatch=settings.boarding_mismatch_threshold).decision

    def baseline():
        image = face_recognition.load_image_file(io.BytesIO(data))
        locations = face_recognition.face_locations(image)
        encodings = face_recognition.face_encodings(image, locations)
        return face_recognition.compare_faces(known, encodings[0])[0]

    assert ours() == domain.Decision.verified and baseline()
    timings = {"ours": [], "face_recognition recipe": []}
    for _ in range(RUNS):  # interleaved, so both meet the same machine load
        for name, fn in (("ours", ours), ("face_recognition recipe", baseline)):
            started = time.perf_counter()
            fn()
            timings[name].append(time.perf_counter() - started)
    print(f"one 1280x720 JPEG frame, one face, one core, {RUNS} runs each")
    for name, samples in timings.items():
        med, p95 = stats(samples)
        print(f"  {name:<24} median {med:7.1f} ms   p95 {p95:7.1f} ms")
    (om, op), (bm, bp) = stats(timings["ours"]), stats(timings["face_recognition recipe"])
    print(f"  ratio recipe / ours: median {bm / om:.2f}x, p95 {bp / op:.2f}x  (aim: ours p95 < 250 ms)")


if __name__ == "__main__":
    main()
