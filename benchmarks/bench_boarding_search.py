"""Boarding: 1:N search in the in-memory gallery at 68,000 and 1,000,000 templates.

Ours: services.transit.boarding.gallery.GalleryIndex.search (float32 matrix; past 200,000 rows a PCA lower
bound picks the rows that can be within the decision radius, exact distances for those) beside
face_recognition.face_distance (numpy norm over every template, the library's own 1:N) in the same run.
p95 latency per probe, and top-1 agreement with the exact search.

Synthetic templates are drawn from a Gaussian with the mean and covariance of real dlib encodings (the faces
in ../shared/faces, or the repo's test photos), so distances look like real ones (different people ~0.8).
Mated probes are a template plus noise at distance ~0.45 (a genuine pair); non-mated probes are new draws.
Defaults run in a few minutes; BOARDING_BENCH_FULL=1 measures more probes.
"""

import os
import sys
import time
import uuid
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one core, before numpy loads BLAS
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

FULL = os.environ.get("BOARDING_BENCH_FULL") == "1"
RADIUS = 0.55  # whole-gallery threshold 0.40 + margin 0.10 + 0.05, as the service asks


def real_encodings() -> np.ndarray:
    from services.transit.boarding.evaluate import encode_folders

    shared = ROOT.parent / "shared" / "faces"
    folders = [shared / "lfw", shared / "people"] if (shared / "lfw").is_dir() else [ROOT / "tests/fixtures/faces"]
    encodings, _, _ = encode_folders(folders)
    return encodings


def pctl(values, q) -> float:
    return float(np.percentile(np.asarray(values) * 1000, q))


def run(size: int, mean, cov, rng, probes_ours: int, probes_base: int) -> None:
    import face_recognition

    from services.transit.boarding.gallery import GalleryIndex

    gallery = rng.multivariate_normal(mean, cov, size=size, method="cholesky").astype(np.float32)
    riders = [uuid.UUID(int=i + 1) for i in range(size)]
    index = GalleryIndex(capacity=size)
    started = time.perf_counter()
    index.bulk_load(gallery, riders)
    index.fit_projection()
    load_s = time.perf_counter() - started
    mated_rows = rng.choice(size, probes_ours // 2, replace=False)
    mated = gallery[mated_rows] + rng.normal(0, 0.45 / np.sqrt(128), (len(mated_rows), 128)).astype(np.float32)
    nonmated = rng.multivariate_normal(mean, cov, size=probes_ours - len(mated_rows)).astype(np.float32)
    probes = np.vstack([mated, nonmated])
    ours, ours_exact, answers = [], [], []
    for p in probes:
        t = time.perf_counter()
        answers.append(index.search(p, radius=RADIUS)[0])
        ours.append(time.perf_counter() - t)
    for p in probes[: max(20, probes_ours // 5)]:
        t = time.perf_counter()
        index.search(p)
        ours_exact.append(time.perf_counter() - t)
    gallery64 = gallery.astype(np.float64)  # face_distance works on what it is given; float64 like its encodings
    base, agree_mated, agree_within, within, nobody = [], 0, 0, 0, 0
    checked = list(range(0, len(probes), max(1, len(probes) // probes_base)))[:probes_base]
    mated_checked = sum(1 for i in checked if i < len(mated_rows))
    for i in checked:
        t = time.perf_counter()
        d = face_recognition.face_distance(gallery64, probes[i])
        best = int(np.argmin(d))
        base.append(time.perf_counter() - t)
        ans = answers[i]
        if d[best] <= RADIUS:
            within += 1
            agree = ans is not None and ans.top1_rider == riders[best]
            agree_within += agree
            agree_mated += agree and i < len(mated_rows)
        else:
            nobody += ans is None
    print(f"gallery {size:,} templates (loaded and indexed in {load_s:.1f} s)")
    print(f"  ours (radius {RADIUS}):  p50 {pctl(ours, 50):7.2f} ms  p95 {pctl(ours, 95):7.2f} ms  ({len(ours)} probes)")
    print(f"  ours, exact scan:     p50 {pctl(ours_exact, 50):7.2f} ms  p95 {pctl(ours_exact, 95):7.2f} ms  ({len(ours_exact)} probes)")
    print(f"  face_distance:        p50 {pctl(base, 50):7.2f} ms  p95 {pctl(base, 95):7.2f} ms  ({len(base)} probes)")
    print(f"  p95 ratio face_distance / ours: {pctl(base, 95) / pctl(ours, 95):.1f}x")
    print(f"  top-1 agreement with exact search: mated {agree_mated}/{mated_checked} "
          f"({agree_mated / max(mated_checked, 1):.2%}); every probe whose exact top-1 is within the radius "
          f"{agree_within}/{within} ({agree_within / max(within, 1):.2%}); beyond the radius, both say nobody "
          f"in {nobody}/{len(checked) - within}")


def main() -> None:
    rng = np.random.default_rng(7)
    real = real_encodings()
    mean = real.mean(axis=0)
    cov = np.cov(real, rowvar=False) + np.eye(128) * 1e-5
    print(f"synthetic templates from the mean/covariance of {len(real)} real encodings")
    sizes = [(68_000, 2000 if FULL else 500, 200 if FULL else 60), (1_000_000, 1000 if FULL else 200,
                                                                     100 if FULL else 20)]
    for size, n_ours, n_base in sizes:
        run(size, mean, cov, rng, n_ours, n_base)


if __name__ == "__main__":
    main()
