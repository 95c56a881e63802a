"""Boarding: 1:N search of the whole gallery through faiss's HNSW graph, beside the exact scan, same run.

Ours: services.transit.boarding.gallery.GalleryIndex.search past `boarding_ann_min_templates`: the graph
(services/transit/boarding/ann.py) proposes `boarding_ann_candidates` templates per probe and their exact float32
distances decide. Baseline: the same index's exact scan (every template, numpy). Printed: the graph's build time and memory,
p50/p95 per probe (one probe per call, one thread), and top-1 agreement with the exact scan on mated probes (a
template plus noise at a genuine distance, ~0.45) and non-mated probes (new draws): an answer agrees when both
name the same top-1 rider within the service's search radius, or both say nobody is within it. Also the
decision agreement (identified rider, or none, at the gallery threshold and margin). The graph's search depth
(expansion) is swept: the setting's value is marked.

Synthetic templates are drawn from a Gaussian with the mean and covariance of real dlib encodings (the faces in
../shared/faces, or the repo's test photos), so distances look like real ones. The gallery size is
BOARDING_BENCH_ANN_SIZE (default 200,000: a 1,000,000 graph takes ~10-13 min to build on 2 cores;
BOARDING_BENCH_FULL=1 runs 1,000,000); BOARDING_BENCH_PROBES mated and as many non-mated probes (default 1,000).
"""

import os
import sys
import time
import uuid
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one core for the searches, before numpy loads BLAS
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

FULL = os.environ.get("BOARDING_BENCH_FULL") == "1"
SIZE = int(os.environ.get("BOARDING_BENCH_ANN_SIZE", "1000000" if FULL else "200000"))
PROBES = int(os.environ.get("BOARDING_BENCH_PROBES", "1000"))


def real_encodings() -> np.ndarray:
    from services.transit.boarding.evaluate import encode, photos_of
    from services.transit.settings import TransitSettings

    shared = ROOT.parent / "shared" / "faces"
    if not (shared / "lfw").is_dir():
        shared = Path("/work/shared/faces")
    folders = ([shared / "lfw", shared / "lfw-east-asian", shared / "people"] if (shared / "lfw").is_dir()
               else [ROOT / "tests/fixtures/faces/people"])
    samples, _ = encode(photos_of([f for f in folders if f.is_dir()]), {}, settings=TransitSettings())
    return np.array([s.encoding for s in samples])


def pctl(values, q) -> float:
    return float(np.percentile(np.asarray(values) * 1000, q))


def load() -> str:
    try:
        return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "load average unknown"


def main() -> None:
    from services.transit.boarding.domain import FrameCandidates
    from services.transit.boarding.gallery import GalleryIndex, ann_settings
    from services.transit.settings import TransitSettings

    settings = TransitSettings()
    radius = settings.boarding_identify_gallery_threshold + settings.boarding_identify_margin + 0.05  # the service's
    threshold, margin = settings.boarding_identify_gallery_threshold, settings.boarding_identify_margin
    rng = np.random.default_rng(7)
    real = real_encodings()
    mean, cov = real.mean(axis=0), np.cov(real, rowvar=False) + np.eye(real.shape[1]) * 1e-5
    dim = real.shape[1]
    print(f"synthetic templates from the mean/covariance of {len(real)} real encodings; {load()}")
    gallery = rng.multivariate_normal(mean, cov, size=SIZE, method="cholesky").astype(np.float32)
    riders = [uuid.UUID(int=i + 1) for i in range(SIZE)]
    index = GalleryIndex(capacity=SIZE, dim=dim, **{**ann_settings(settings), "ann_min_rows": 1})
    index.bulk_load(gallery, riders)
    started, cpu = time.perf_counter(), time.process_time()
    index.build_ann()
    build_s, build_cpu = time.perf_counter() - started, time.process_time() - cpu
    mated_rows = rng.choice(SIZE, PROBES, replace=False)
    noise = rng.normal(0, 1, (PROBES, dim)).astype(np.float32)
    noise *= (0.45 / np.linalg.norm(noise, axis=1))[:, None]  # a genuine pair: ~0.45 apart
    probes = np.vstack([gallery[mated_rows] + noise,
                        rng.multivariate_normal(mean, cov, size=PROBES).astype(np.float32)])
    kinds = ["mated"] * PROBES + ["non-mated"] * PROBES

    exact, exact_s = [], []
    ann_min = index.ann_min_rows
    index.ann_min_rows = 10**12  # the exact scan of the same matrix
    for p in probes:
        t = time.perf_counter()
        exact.append(index.search(p)[0])
        exact_s.append(time.perf_counter() - t)
    index.ann_min_rows = ann_min

    def within(found: FrameCandidates | None):
        return None if found is None else GalleryIndex._within(found, radius)

    def decision(found: FrameCandidates | None):
        found = within(found)
        if found is None or found.top1_distance > threshold:
            return None
        if found.top2_distance is not None and found.top2_distance - found.top1_distance < margin:
            return None
        return found.top1_rider

    def top1(found):
        found = within(found)
        return None if found is None else found.top1_rider

    print(f"gallery {SIZE:,} templates of dimension {dim}; graph built in {build_s:.1f} s ({build_cpu:.1f} s CPU, "
          f"float32, connectivity {index.ann_connectivity}, expansion_add {index.ann_expansion_add}); "
          f"graph memory {index.ann_bytes() / 2**20:.0f} MiB beside the float32 matrix "
          f"{SIZE * dim * 4 / 2**20:.0f} MiB")
    print(f"  baseline, exact scan:  p50 {pctl(exact_s, 50):7.3f} ms  p95 {pctl(exact_s, 95):7.3f} ms  "
          f"({len(probes)} probes)")
    within_exact = {k: sum(top1(e) is not None for e, kk in zip(exact, kinds, strict=True) if kk == k)
                    for k in ("mated", "non-mated")}
    print(f"  exact answers within the radius {radius:.2f}: mated {within_exact['mated']}/{PROBES}, non-mated "
          f"{within_exact['non-mated']}/{PROBES}")
    for ef in sorted({64, 128, 192, 256, 384, settings.boarding_ann_expansion}):
        index._ann.expansion_search = max(ef, index.ann_candidates)
        times, answers = [], []
        for p in probes:
            t = time.perf_counter()
            answers.append(index.search(p, radius=radius)[0])
            times.append(time.perf_counter() - t)
        agree = {k: 0 for k in ("mated", "non-mated")}
        same_decision = 0
        for e, a, k in zip(exact, answers, kinds, strict=True):
            agree[k] += top1(e) == top1(a)
            same_decision += decision(e) == decision(a)
        mark = "  <- setting" if ef == settings.boarding_ann_expansion else ""
        print(f"  ours, graph ef={ef:<4}  p50 {pctl(times, 50):7.3f} ms  p95 {pctl(times, 95):7.3f} ms  "
              f"top-1 agreement mated {agree['mated']}/{PROBES} ({agree['mated'] / PROBES:.2%}), non-mated "
              f"{agree['non-mated']}/{PROBES} ({agree['non-mated'] / PROBES:.2%}); same decision "
              f"{same_decision}/{len(probes)}; p95 ratio exact / ours {pctl(exact_s, 95) / pctl(times, 95):.0f}x{mark}")
    index._ann.expansion_search = max(settings.boarding_ann_expansion, index.ann_candidates)
    print(f"  ({load()} at the end)")


if __name__ == "__main__":
    main()
