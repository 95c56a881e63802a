"""Calibration: labelled photos (`<identity>/<n>.jpg`) -> FNMR/FMR (1:1) and FNIR/FPIR (1:N) against the
threshold, with the same detection and encoding the service uses."""

from pathlib import Path

import numpy as np

from services.transit.boarding import domain, faces

SUFFIXES = {".jpg", ".jpeg", ".png"}


def encode_folders(folders: list[Path], *, detect_max_side: int = 640) -> tuple[np.ndarray, list[str], list[str]]:
    """Encodes the largest face of every photo; returns (encodings, identity labels, skipped photos)."""
    encodings, labels, skipped = [], [], []
    for folder in folders:
        for person in sorted(p for p in Path(folder).iterdir() if p.is_dir() and not p.name.startswith("_")):
            for path in sorted(p for p in person.iterdir() if p.suffix.lower() in SUFFIXES):
                try:
                    frame = faces.read_frame(path.read_bytes(), max_bytes=64 * 2**20, max_pixels=50_000_000,
                                             detect_max_side=detect_max_side)
                except faces.BadPhoto:
                    frame = None
                face = frame.largest() if frame else None
                if face is None:
                    skipped.append(str(path))
                    continue
                encodings.append(face.encoding)
                labels.append(f"{Path(folder).name}/{person.name}")
    return np.array(encodings), labels, skipped


def report(encodings: np.ndarray, labels: list[str], *, thresholds=None, target_fmrs=(0.01, 0.001),
           margin: float = 0.0) -> str:
    thresholds = list(thresholds or np.round(np.arange(0.30, 0.71, 0.02), 2))
    genuine, impostor = domain.pair_distances(encodings, labels)
    fnmr, fmr = domain.verification_rates(genuine, impostor, thresholds)
    fnir, fpir, mated, nonmated = domain.identification_rates(encodings, labels, thresholds, margin=margin)
    fnir0, fpir0, _, _ = domain.identification_rates(encodings, labels, thresholds, margin=0.0) if margin else (fnir, fpir, 0, 0)
    people = len(set(labels))
    lines = [
        f"photos encoded: {len(labels)} of {people} identities",
        f"verification (1:1): {len(genuine)} same-person pairs, {len(impostor)} different-person pairs;"
        f" same-person distance median {np.median(genuine):.3f} (p95 {np.percentile(genuine, 95):.3f}),"
        f" different-person median {np.median(impostor):.3f} (p0.1 {np.percentile(impostor, 0.1):.3f})",
        f"identification (1:N, open set, leave-one-out): {mated} mated and {nonmated} non-mated searches against"
        f" a gallery of {len({name for name in labels if labels.count(name) >= 2})} identities;"
        f" margin top-1/top-2 >= {margin:.2f}",
        "",
        f"{'threshold':>9} {'FNMR':>8} {'FMR':>9} {'FNIR':>8} {'FPIR':>8}" + (
            f" {'FNIR@m0':>8} {'FPIR@m0':>8}" if margin else ""),
    ]
    for i, t in enumerate(thresholds):
        row = f"{t:>9.2f} {fnmr[i]:>8.2%} {fmr[i]:>9.3%} {fnir[i]:>8.2%} {fpir[i]:>8.2%}"
        if margin:
            row += f" {fnir0[i]:>8.2%} {fpir0[i]:>8.2%}"
        lines.append(row)
    lines.append("")
    for target in target_fmrs:
        t = domain.threshold_for_fmr(impostor, target)
        (f1,), (m1,) = domain.verification_rates(genuine, impostor, [t])
        lines.append(f"threshold for FMR <= {target:.2%}: {t:.3f} (FNMR there {f1:.2%}, FMR {m1:.3%};"
                     f" {len(impostor)} impostor pairs bound the FMR resolution to {1 / len(impostor):.4%})")
    t99 = float(np.percentile(genuine, 99.5))
    lines.append(f"mismatch threshold (FNMR 0.5%: beyond it almost no genuine pair lands): {t99:.3f}")
    return "\n".join(lines)
