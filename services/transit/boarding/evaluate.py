"""Calibration with the service's own pipeline: labelled photos (`<identity>/<n>.jpg`, one identity per name across
folders) -> per group FMR/FNMR (1:1) and FNIR/FPIR (1:N), thresholds for a target FMR with their impostor counts
and 95% upper confidence bounds, the configured thresholds' rates, and the measured effect of each accuracy lever.

Photos go through `faces.read_frame` and `faces.enrolment_face` as in the service: a photo the door refuses (no face,
several faces, face too small) is counted as refused, not encoded; one the kiosk refuses (size, quality gate) is
never the enrolled side of a pair."""

import csv
import io
import math
import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from services.transit.boarding import domain, faces

SUFFIXES = {".jpg", ".jpeg", ".png"}
OVERALL = "all"


@dataclass
class Sample:
    identity: str
    group: str
    path: str
    encoding: np.ndarray
    quality: faces.Quality | None
    enrolable: bool = True  # passes the kiosk's checks; otherwise only usable as a door frame


def identity_key(name: str) -> str:
    """One identity per name across folders: `Kim_Jong-Il`, `kim jong-il` and `KIM_JONG-IL` are one person."""
    return name.strip().lower().replace(" ", "_")


def load_groups(path: Path | None) -> dict[str, str]:
    if path is None:
        return {}
    with open(path, newline="", encoding="utf-8") as f:
        return {identity_key(row["identity"]): row["group"].strip() for row in csv.DictReader(f)}


def photos_of(folders: list[Path]) -> list[tuple[str, Path]]:
    out = []
    for folder in folders:
        for person in sorted(p for p in Path(folder).iterdir() if p.is_dir() and not p.name.startswith("_")):
            out += [(identity_key(person.name), path) for path in sorted(person.iterdir())
                    if path.suffix.lower() in SUFFIXES]
    return out


def encode(photos: list[tuple[str, Path]], groups: dict[str, str], *, settings, embedder=None, landmarks: int = 5,
           gate: faces.QualityGate | None = None, transform=None) -> tuple[list[Sample], Counter]:
    """The service's pipeline on each photo. A photo is kept when the door would use it (a face of at least half
    the enrolment size; one face); it is `enrolable` when the kiosk would also accept it (size, quality gate).
    Returns the kept samples and the door's refusals by code."""
    gate = gate or faces.gate_for(settings)
    door_px = settings.boarding_min_face_px // 2
    door_gate = faces.QualityGate(min_face_px=door_px, min_sharpness=gate.min_sharpness, max_yaw=gate.max_yaw)
    samples, refused = [], Counter()
    for identity, path in photos:
        data = path.read_bytes()
        if transform is not None:
            data = transform(data)
        try:
            frame = faces.read_frame(data, max_bytes=settings.boarding_max_image_bytes,
                                     max_pixels=settings.boarding_max_image_pixels,
                                     detect_max_side=settings.boarding_detect_max_side, embedder=embedder,
                                     landmarks=landmarks, min_face_px=settings.boarding_detect_min_face_px)
            face = faces.enrolment_face(frame, min_face_px=door_px, gate=door_gate)
        except faces.BadPhoto as exc:
            refused[exc.code] += 1
            continue
        enrolable = face.size_px >= settings.boarding_min_face_px and gate.problem(face) is None
        samples.append(Sample(identity, groups.get(identity, "unlabelled"), str(path), face.encoding, face.quality,
                              enrolable))
    return samples, refused


def pair_distances(samples: list[Sample]) -> tuple[np.ndarray, np.ndarray]:
    """(genuine, impostor) distances of every pair in which at least one photo could be the enrolled template."""
    if len(samples) < 2:
        return np.empty(0), np.empty(0)
    enc = np.array([s.encoding for s in samples], dtype=np.float64)
    d = np.linalg.norm(enc[:, None, :] - enc[None, :, :], axis=2)
    lab = np.array([s.identity for s in samples])
    ok = np.array([s.enrolable for s in samples])
    iu = np.triu_indices(len(samples), k=1)
    valid = ok[iu[0]] | ok[iu[1]]
    same = lab[iu[0]] == lab[iu[1]]
    return d[iu][valid & same], d[iu][valid & ~same]


# ---- statistics -----------------------------------------------------------------------------------------


def upper_bound(k: int, n: int, confidence: float = 0.95) -> float:
    """One-sided Clopper-Pearson upper bound of a rate seen as k of n (the p with P(X <= k | n, p) = 1 - c)."""
    if n == 0:
        return 1.0
    if k >= n:
        return 1.0
    alpha = 1 - confidence

    def cdf(p):
        return sum(math.exp(math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
                            + i * math.log(p) + (n - i) * math.log1p(-p)) for i in range(k + 1))

    lo, hi = k / n, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if cdf(mid) > alpha:
            lo = mid
        else:
            hi = mid
    return hi


def _pairs(samples: list[Sample], group: str, distance=None) -> tuple[np.ndarray, np.ndarray]:
    """Genuine pairs of the group's people and impostor pairs between two people of the group ('all': every pair)."""
    return pair_distances([s for s in samples if group == OVERALL or s.group == group])


def _fnmr_fmr(genuine, impostor, t) -> tuple[float, float, int]:
    k = int(np.sum(impostor <= t))
    fnmr = float(np.mean(genuine > t)) if len(genuine) else float("nan")
    return fnmr, (k / len(impostor) if len(impostor) else float("nan")), k


def threshold_for(impostor: np.ndarray, target_fmr: float) -> float:
    return domain.threshold_for_fmr(impostor, target_fmr) if len(impostor) else float("nan")


def groups_in(samples: list[Sample]) -> list[str]:
    counts = Counter(s.group for s in samples)
    return [OVERALL] + sorted(counts)


def worst_group_threshold(samples: list[Sample], target_fmr: float, *, min_people: int = 5) -> tuple[str, float]:
    """The group whose impostors force the lowest threshold for the target FMR (groups of >= min_people)."""
    best = None
    for group in groups_in(samples)[1:]:
        if len({s.identity for s in samples if s.group == group}) < min_people:
            continue
        _, impostor = _pairs(samples, group)
        t = threshold_for(impostor, target_fmr)
        if best is None or t < best[1]:
            best = (group, t)
    return best or (OVERALL, threshold_for(_pairs(samples, OVERALL)[1], target_fmr))


def identification(samples: list[Sample], group: str, threshold: float, margin: float) -> dict:
    """Open-set 1:N, with the gallery = first photo of each identity of the whole set. Mated: every other photo of
    a gallery identity, searched with its own first photo in the gallery. Non-mated: every photo of every
    identity, searched with that identity left out of the gallery. Searches counted for the probe's group."""
    first: dict[str, int] = {}
    for i, s in enumerate(samples):
        first.setdefault(s.identity, i)
    ids = list(first)
    gallery = np.array([samples[first[i]].encoding for i in ids])
    mated_hits, mated, false, nonmated = 0, 0, 0, 0
    for i, s in enumerate(samples):
        if group != OVERALL and s.group != group:
            continue
        d = np.linalg.norm(gallery - s.encoding, axis=1)
        own = ids.index(s.identity)
        if first[s.identity] != i:
            order = np.argsort(d)
            top1, top2 = d[order[0]], d[order[1]] if len(order) > 1 else np.inf
            mated += 1
            mated_hits += int(order[0] == own and top1 <= threshold and top2 - top1 >= margin)
        others = np.delete(d, own)
        if len(others):
            order = np.sort(others)
            top1, top2 = order[0], order[1] if len(order) > 1 else np.inf
            nonmated += 1
            false += int(top1 <= threshold and top2 - top1 >= margin)
    return {"mated": mated, "fnir": 1 - mated_hits / mated if mated else None,
            "nonmated": nonmated, "false": false, "fpir": false / nonmated if nonmated else None}


def _pct(x, digits=2) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}%}"


def report(samples: list[Sample], refused: Counter, *, settings, target_fmrs=(0.01, 0.001), thresholds=None,
           title: str = "") -> str:
    thresholds = list(thresholds if thresholds is not None else np.round(np.arange(0.30, 0.66, 0.04), 2))
    groups = groups_in(samples)
    lines = [title] if title else []
    lines.append(f"photos the door would use: {len(samples)} of {len(samples) + sum(refused.values())}"
                 f" ({len({s.identity for s in samples})} identities), of which the enrolment kiosk accepts"
                 f" {sum(s.enrolable for s in samples)}; refused: "
                 + (", ".join(f"{k} {v}" for k, v in sorted(refused.items())) or "none")
                 + "; pairs count only when one photo could be the enrolled template")
    pairs = {g: _pairs(samples, g) for g in groups}
    lines.append("")
    lines.append(f"{'group':<16} {'people':>6} {'photos':>6} {'genuine':>8} {'impostor':>9}")
    for g in groups:
        chosen = [s for s in samples if g == OVERALL or s.group == g]
        lines.append(f"{g:<16} {len({s.identity for s in chosen}):>6} {len(chosen):>6} {len(pairs[g][0]):>8}"
                     f" {len(pairs[g][1]):>9}")
    lines.append("")
    lines.append("verification (1:1), FNMR / FMR by threshold (impostor pairs within the group):")
    lines.append(f"{'threshold':>9} " + " ".join(f"{g[:16]:>24}" for g in groups))
    for t in thresholds:
        cells = []
        for g in groups:
            fnmr, fmr, _ = _fnmr_fmr(*pairs[g], t)
            cells.append(f"{_pct(fnmr, 1):>9} / {_pct(fmr, 3):>9}  ")
        lines.append(f"{t:>9.2f} " + " ".join(f"{c:>24}" for c in cells))
    lines.append("")
    for target in target_fmrs:
        for g in groups:
            genuine, impostor = pairs[g]
            if not len(impostor):
                lines.append(f"[{g}] threshold for FMR <= {target:.2%}: n/a (no impostor pairs)")
                continue
            t = threshold_for(impostor, target)
            fnmr, fmr, k = _fnmr_fmr(genuine, impostor, t)
            note = "" if len(impostor) * target >= 3 else f"; too few pairs to show {target:.2%} (need >= {math.ceil(3 / target)})"
            lines.append(f"[{g}] threshold for FMR <= {target:.2%}: {t:.4f}: FMR {k}/{len(impostor)} = {_pct(fmr, 3)}"
                         f" (95% upper bound {_pct(upper_bound(k, len(impostor)), 3)}), FNMR {_pct(fnmr)}{note}")
    lines.append("")
    for name, t in (("verify", settings.boarding_verify_threshold), ("mismatch", settings.boarding_mismatch_threshold),
                    ("identify", settings.boarding_identify_threshold)):
        for g in groups:
            genuine, impostor = pairs[g]
            fnmr, fmr, k = _fnmr_fmr(genuine, impostor, t)
            lines.append(f"[{g}] configured {name} threshold {t:.3f}: FMR {_pct(fmr, 3)} FNMR {_pct(fnmr)}"
                         f" ({k} of {len(impostor)} impostor pairs; 95% upper bound {_pct(upper_bound(k, len(impostor)), 3)})")
    worst_ub = 0.0
    for g in groups[1:]:
        genuine, impostor = pairs[g]
        if len(impostor) >= 3 / 0.001:  # groups large enough to bound an FMR of 0.1%
            k = int(np.sum(impostor <= settings.boarding_identify_threshold))
            worst_ub = max(worst_ub, upper_bound(k, len(impostor)))
    bound = settings.boarding_identify_max_false_rate
    if worst_ub:
        lines.append(f"card-less identification policy: worst-group FMR at the identify threshold <= {_pct(worst_ub, 4)}"
                     f" (95% upper bound); expected false identifications <= {bound:.2%} per search allow at most"
                     f" {int(bound / worst_ub)} candidates (configured: {settings.boarding_identify_max_candidates},"
                     f" worst-group FMR setting {settings.boarding_identify_worst_group_fmr})")
    else:
        lines.append("card-less identification policy: not measurable here (no group has 3,000 impostor pairs);"
                     f" configured {settings.boarding_identify_max_candidates} candidates at a worst-group FMR of"
                     f" {settings.boarding_identify_worst_group_fmr}")
    lines.append("")
    th, margin = settings.boarding_identify_threshold, settings.boarding_identify_margin
    lines.append(f"identification (1:N, open set) at the configured identify threshold {th:.3f}, margin {margin:.2f},"
                 f" gallery of {len({s.identity for s in samples})} identities:")
    for g in groups:
        r = identification(samples, g, th, margin)
        lines.append(f"[{g}] FNIR {_pct(r['fnir'])} of {r['mated']} mated searches; FPIR {_pct(r['fpir'])}"
                     f" ({r['false']} of {r['nonmated']} non-mated searches"
                     + ("" if r["nonmated"] else ": no non-mated searches, FPIR unknown") + ")")
    return "\n".join(lines)


# ---- levers ---------------------------------------------------------------------------------------------


def fnmr_at_target(samples: list[Sample], group: str, target_fmr: float, *, templates: int = 1) -> tuple[float, float, int, int]:
    """FNMR at the threshold that holds the group's FMR at the target, with `templates` enrolment photos per
    person (distance = the nearest template, as the service decides). Returns (threshold, FNMR, genuine, impostor)."""
    chosen = [s for s in samples if group == OVERALL or s.group == group]
    by_id = defaultdict(list)
    for s in chosen:
        by_id[s.identity].append(s)
    genuine, impostor = [], []
    people = list(by_id)
    for person in people:
        photos = by_id[person]
        for i, probe in enumerate(photos):
            rest = [p.encoding for j, p in enumerate(photos) if j != i and p.enrolable][:templates]
            if rest:
                genuine.append(float(np.min(np.linalg.norm(np.array(rest) - probe.encoding, axis=1))))
            for other in people:
                enrolled = [p.encoding for p in by_id[other] if p.enrolable][:templates]
                if other != person and enrolled:
                    impostor.append(float(np.min(np.linalg.norm(np.array(enrolled) - probe.encoding, axis=1))))
    genuine, impostor = np.array(genuine), np.array(impostor)
    t = threshold_for(impostor, target_fmr)
    return t, float(np.mean(genuine > t)), len(genuine), len(impostor)


def door_frames(data: bytes, n: int = 3) -> list[bytes]:
    """Synthetic door frames from one photo: small shifts, zooms and exposure changes, as consecutive frames of a
    rider stepping in differ (no video of the LFW people exists)."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    w, h = image.size
    out = []
    for k, (dx, dy, zoom, gain) in enumerate([(0, 0, 1.0, 1.0), (3, 2, 1.04, 0.9), (-3, 1, 0.97, 1.12)][:n]):
        frame = image if k == 0 else image.transform((w, h), Image.AFFINE, (1 / zoom, 0, dx, 0, 1 / zoom, dy),
                                                     resample=Image.BILINEAR)
        frame = Image.eval(frame, lambda v, g=gain: min(255, int(v * g)))
        buf = io.BytesIO()
        frame.save(buf, "JPEG", quality=88)
        out.append(buf.getvalue())
    return out


# ---- door frames --------------------------------------------------------------------------------------


DOOR_FRAME = (1280, 720)
DOOR_ZOOMS = (0.9, 1.3, 1.8, 2.6)  # an LFW face of ~100 px becomes ~90-260 px: a rider ~0.6-1.8 m from the camera


def door_frame(data: bytes, index: int) -> bytes:
    """A synthetic 1280x720 door frame from one photo: the photo zoomed (`DOOR_ZOOMS`, by `index`) and placed at a
    position set by `index` on a plain background, as a JPEG (no door video of these people exists). The photo's
    other faces, if any, come along, as riders behind the one at the reader."""
    rng = random.Random(index)
    image = Image.open(io.BytesIO(data)).convert("RGB")
    zoom = DOOR_ZOOMS[index % len(DOOR_ZOOMS)] * 250 / max(image.size)
    image = image.resize((max(1, round(image.width * zoom)), max(1, round(image.height * zoom))), Image.BILINEAR)
    image = image.crop((0, 0, min(image.width, DOOR_FRAME[0]), min(image.height, DOOR_FRAME[1])))
    canvas = Image.new("RGB", DOOR_FRAME, (rng.randint(50, 200),) * 3)
    canvas.paste(image, (rng.randint(0, DOOR_FRAME[0] - image.width), rng.randint(0, DOOR_FRAME[1] - image.height)))
    buf = io.BytesIO()
    canvas.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def door_report(photos: list[tuple[str, Path]], groups: dict[str, str], enrolled: list[Sample], *, settings,
                embedder=None) -> str:
    """The door's reading of each photo as a 1280x720 frame (`door_frame`), with the whole-frame HOG scan and with
    BlazeFace locating the face first (`boarding_detect_locate_first`), against the kiosk's templates (`enrolled`,
    the enrolable samples of `encode`; never the same photo). Per group and scan: the frames decided on (a face
    the door's quality gate accepts), FNMR and FMR at the configured verify threshold, and the detection's time;
    then how far the located template lies from the whole scan's on the same frame."""
    gate = faces.gate_for(settings, door=True)
    kiosk = [s for s in enrolled if s.enrolable]
    scans = {"whole scan": False, "located first": True}
    read: dict[str, dict[str, np.ndarray | None]] = {name: {} for name in scans}
    seconds: dict[str, list[float]] = {name: [] for name in scans}
    for index, (_identity, path) in enumerate(photos):
        data = door_frame(path.read_bytes(), index)
        for name, locate in scans.items():
            timings: dict = {}
            try:
                frame = faces.read_frame(data, max_bytes=settings.boarding_max_image_bytes,
                                         max_pixels=settings.boarding_max_image_pixels,
                                         detect_max_side=settings.boarding_detect_max_side, embedder=embedder,
                                         min_face_px=settings.boarding_detect_min_face_px, largest_only=True,
                                         locate_first=locate, timings=timings)
            except faces.BadPhoto:
                read[name][str(path)] = None
                continue
            seconds[name].append(sum(timings.get(k, 0.0) for k in ("resize", "locate", "detect")))
            face = frame.largest()
            read[name][str(path)] = face.encoding if face is not None and gate.problem(face) is None else None
    lines = [f"door frames: each photo as a 1280x720 frame (zoomed {', '.join(f'{z}x' for z in DOOR_ZOOMS)} in turn, "
             f"placed at random), its largest face against the kiosk templates of the other photos, at the configured "
             f"verify threshold {settings.boarding_verify_threshold:.3f}",
             f"{'group':<16} {'scan':<14} {'decided':>9} {'FNMR':>8} {'FMR':>9} {'genuine':>8} {'impostor':>9}"
             f" {'detect ms p50':>13} {'p95':>7}"]
    threshold = settings.boarding_verify_threshold
    changed = []
    for g in groups_in(enrolled):
        accepted: dict[str, dict[tuple[str, str], bool]] = {}
        for name in scans:
            genuine, impostor, decided, total = [], [], 0, 0
            accepted[name] = {}
            for identity, path in photos:
                if g != OVERALL and groups.get(identity, "unlabelled") != g:
                    continue
                total += 1
                probe = read[name].get(str(path))
                if probe is None:
                    continue
                decided += 1
                for s in kiosk:
                    if s.path == str(path) or (g != OVERALL and s.group != g):
                        continue
                    d = float(np.linalg.norm(s.encoding - probe))
                    (genuine if s.identity == identity else impostor).append(d)
                    if s.identity == identity:
                        accepted[name][(str(path), s.path)] = d <= threshold
            fnmr, fmr, _ = _fnmr_fmr(np.array(genuine), np.array(impostor), threshold)
            ms = np.array(seconds[name]) * 1000 if g == OVERALL else None
            timing = f" {np.median(ms):>13.1f} {np.percentile(ms, 95):>7.1f}" if ms is not None and len(ms) else ""
            lines.append(f"{g:<16} {name:<14} {decided:>4}/{total:<4} {_pct(fnmr):>8} {_pct(fmr, 3):>9}"
                         f" {len(genuine):>8} {len(impostor):>9}{timing}")
        # the same genuine pair (door frame, kiosk template) read both ways: how often the two scans disagree
        whole, located = accepted["whole scan"], accepted["located first"]
        both = whole.keys() & located.keys()
        only_whole = sum(whole[k] and not located[k] for k in both)
        only_located = sum(located[k] and not whole[k] for k in both)
        changed.append(f"[{g}] of {len(both)} genuine pairs read both ways: accepted by the whole scan only "
                       f"{only_whole}, by the located reading only {only_located}")
    lines += changed
    moved = [float(np.linalg.norm(a - b)) for p, a in read["whole scan"].items()
             if a is not None and (b := read["located first"].get(p)) is not None]
    if moved:
        m = np.array(moved)
        lines.append(f"located template vs whole scan's, same frame ({len(m)} frames both decided on): median "
                     f"{np.median(m):.4f}, p95 {np.percentile(m, 95):.4f}, max {m.max():.4f}; {int(np.sum(m < 1e-9))} "
                     f"identical, {int(np.sum(m > 0.3))} over 0.3 (another face)")
    return "\n".join(lines)


def levers(photos: list[tuple[str, Path]], groups: dict[str, str], *, settings, target_fmr: float = 0.001,
           group: str | None = None) -> str:
    """Each lever's effect on the worst group's FNMR at the target FMR (threshold re-derived per condition)."""
    lines = []
    no_gate = faces.QualityGate(min_face_px=settings.boarding_min_face_px)  # size only: the lever is measured below
    base, _ = encode(photos, groups, settings=settings, gate=no_gate)
    group = group or worst_group_threshold(base, target_fmr)[0]

    def row(name, samples, templates=1, extra=""):
        t, fnmr, g, i = fnmr_at_target(samples, group, target_fmr, templates=templates)
        lines.append(f"{name:<44} threshold {t:.3f}  FNMR {fnmr:6.2%}  ({g} genuine / {i} impostor comparisons){extra}")
        return fnmr

    lines.append(f"levers, measured on group '{group}' at FMR <= {target_fmr:.2%} (threshold re-derived for each):")
    s68, _ = encode(photos, groups, settings=settings, landmarks=68, gate=no_gate)
    row("68-point alignment (face_recognition's)", s68)
    row("5-point alignment (shipped)", base)
    row("enrolment of 2 photos (nearest template)", base, templates=2)
    row("enrolment of 3 photos (nearest template)", base, templates=3)
    door_px = settings.boarding_min_face_px // 2
    sharp = np.array([s.quality.sharpness for s in base if s.group == group])
    for pct, max_yaw in ((0, 10.0), (0, 0.25), (0, 0.15), (10, 10.0), (25, 10.0), (10, 0.25)):
        gate = faces.QualityGate(min_face_px=door_px, min_sharpness=float(np.percentile(sharp, pct)) if pct else 0.0,
                                 max_yaw=max_yaw)
        kept = [s for s in base if gate.problem_of(s.quality) is None]  # the gate at the door as at the kiosk
        refused = len(sharp) - len([s for s in kept if s.group == group])
        row(f"quality gate sharpness >= {gate.min_sharpness:.0f} (p{pct}), yaw <= {max_yaw:.2f}", kept,
            extra=f"; refuses {refused} of {len(sharp)} photos of the group")
    # frame fusion: each probe seen as 3 synthetic frames, decided by the median distance over the frames
    fused = []
    for identity, path in photos:
        if groups.get(identity, "unlabelled") != group:
            continue
        frames = []
        for data in door_frames(path.read_bytes()):
            try:
                fr = faces.read_frame(data, max_bytes=settings.boarding_max_image_bytes,
                                      max_pixels=settings.boarding_max_image_pixels,
                                      detect_max_side=settings.boarding_detect_max_side,
                                      min_face_px=settings.boarding_detect_min_face_px)
                frames.append(faces.enrolment_face(fr, min_face_px=door_px).encoding)
            except faces.BadPhoto:
                continue
        if frames:
            fused.append(Sample(identity, group, str(path), np.array(frames), None))
    lines.append(_frame_fusion(fused, target_fmr))
    return "\n".join(lines)


def _frame_fusion(fused: list[Sample], target_fmr: float) -> str:
    """Enrolment = first frame of a photo; probe = the frames of another photo: one frame vs the median of three."""
    single_g, single_i, med_g, med_i = [], [], [], []
    for a in fused:
        for b in fused:
            if a is b:
                continue
            tmpl = a.encoding[0]
            d = np.linalg.norm(b.encoding - tmpl, axis=1)
            same = a.identity == b.identity
            (single_g if same else single_i).append(float(d[0]))
            (med_g if same else med_i).append(float(np.median(d)))
    out = []
    for name, g, i in (("one door frame", single_g, single_i), ("median of 3 door frames (synthetic)", med_g, med_i)):
        g, i = np.array(g), np.array(i)
        t = threshold_for(i, target_fmr)
        out.append(f"{name:<44} threshold {t:.3f}  FNMR {float(np.mean(g > t)):6.2%}  ({len(g)} genuine / {len(i)} impostor)")
    return "\n".join(out)
