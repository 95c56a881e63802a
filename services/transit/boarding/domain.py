"""Pure rules of boarding by face: fares as data, verification and identification votes, the
presentation-attack check, calibration metrics and small-cell suppression. No session, no clock."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

import numpy as np

from services.common.citytime import CITY_ZONE


class Concession(StrEnum):
    senior = "senior"
    disability = "disability"
    student = "student"
    none = "none"


class Decision(StrEnum):
    verified = "verified"
    mismatch = "mismatch"
    identified = "identified"
    unknown = "unknown"
    no_face = "no_face"


class IdentifyPolicy(StrEnum):
    route_regulars = "route_regulars"  # only riders who registered this route as a regular one
    gallery = "gallery"  # every enrolled rider, with the stricter threshold
    off = "off"  # no card, no identification


# ---- fares as data --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FareRule:
    concession: Concession
    fare_krw: int
    valid_from: date
    source: str


# Card fares of a Pohang city (ordinary) bus. The latest rule valid on the boarding's local date applies.
FARE_RULES: tuple[FareRule, ...] = (
    FareRule(Concession.none, 1200, date(2016, 1, 1),
             "Pohang fare rise 2016-01-01: adult 1,300 KRW cash, 100 KRW card discount (Maeil Shinmun "
             "2015-12-22; verify later rises)"),
    FareRule(Concession.student, 900, date(2016, 1, 1),
             "Pohang fare rise 2016-01-01: middle/high school 1,000 KRW cash, 100 KRW card discount (verify)"),
    FareRule(Concession.senior, 1200, date(2016, 1, 1),
             "no senior concession on Pohang city buses before July 2025 (verify)"),
    FareRule(Concession.senior, 0, date(2025, 7, 1),
             "Pohang: city and village buses free for residents aged 70+ from 2025-07-01, with the free "
             "card issued at community centres (Pohang City, Maeil Shinmun 2025-04-30); also valid in "
             "Gyeongju and Yeongdeok"),
    FareRule(Concession.disability, 1200, date(2016, 1, 1),
             "no city-wide disability concession found for Pohang city buses (verify with the city)"),
)


def fare_for(concession: str, occurred_at: datetime, rules: tuple[FareRule, ...] = FARE_RULES) -> FareRule:
    day = occurred_at.astimezone(CITY_ZONE).date()
    valid = [r for r in rules if r.concession == concession and r.valid_from <= day]
    if not valid:
        valid = [r for r in rules if r.concession == Concession.none and r.valid_from <= day]
    return max(valid, key=lambda r: r.valid_from)


@dataclass(frozen=True)
class ConcessionPolicy:
    """When a concession card's fare applies. A card alone proves only that someone holds it (Pohang's free
    senior cards were ridden by younger people within two weeks: DOMAIN.md), so the face must say so, or the
    driver, who looks at the rider and the card, confirms from the door display (audited)."""

    granted_on: frozenset  # decisions that apply the concession by themselves
    driver_may_confirm: frozenset  # decisions after which the driver's confirmation applies it
    source: str


CONCESSION_POLICY = ConcessionPolicy(
    granted_on=frozenset({"verified"}),
    driver_may_confirm=frozenset({"unknown", "mismatch", "no_face", "identified"}),
    source="aicity issue 14: the concession only when the face verifies the card holder or the driver confirms; "
           "PIPC biometric guideline 2021: a non-biometric way to ride must exist (the driver's check)",
)


@dataclass(frozen=True)
class ConcessionOutcome:
    applied: bool
    reason: str  # face_verified | driver_confirmed | no_concession | awaiting_driver_confirmation | not_verified
    driver_may_confirm: bool


def concession_outcome(decision: str, card_concession: str, *, driver_confirmed: bool = False,
                       policy: ConcessionPolicy = CONCESSION_POLICY) -> ConcessionOutcome:
    """Whether the concession of the card (tapped, or of the rider identified without one) applies to this
    boarding, and why (a pure rule: the fares themselves stay data in FARE_RULES)."""
    if card_concession == Concession.none:
        return ConcessionOutcome(False, "no_concession", False)
    if decision in policy.granted_on:
        return ConcessionOutcome(True, "face_verified", False)
    if decision in policy.driver_may_confirm:
        if driver_confirmed:
            return ConcessionOutcome(True, "driver_confirmed", False)
        return ConcessionOutcome(False, "awaiting_driver_confirmation", True)
    return ConcessionOutcome(False, "not_verified", False)


# ---- distances and votes --------------------------------------------------------------------------------


def distances(templates: np.ndarray, probe: np.ndarray) -> np.ndarray:
    """Euclidean distance, as face_recognition.face_distance."""
    if len(templates) == 0:
        return np.empty(0)
    return np.linalg.norm(np.asarray(templates, dtype=np.float64) - np.asarray(probe, dtype=np.float64), axis=1)


@dataclass(frozen=True)
class Thresholds:
    verify: float
    mismatch: float
    identify: float
    identify_gallery: float
    margin: float


@dataclass(frozen=True)
class Outcome:
    decision: Decision
    rider_id: object = None
    distance: float | None = None
    margin: float | None = None
    reason: str | None = None
    flagged: bool = False


def verify_vote(frame_distances: list[float], *, verify: float, mismatch: float) -> Outcome:
    """1:1 against the card holder, one distance per frame with a face (the best over the holder's
    templates). Verified when most frames match; a mismatch only when most frames are clearly someone else
    (beyond `mismatch`, well above the verify threshold); the zone between is `unknown`: never a penalty."""
    if not frame_distances:
        return Outcome(Decision.no_face, reason="no_face_in_frames")
    n = len(frame_distances)
    median = float(np.median(frame_distances))
    matched = sum(d <= verify for d in frame_distances)
    different = sum(d > mismatch for d in frame_distances)
    if matched * 2 > n:
        return Outcome(Decision.verified, distance=median)
    if different * 2 > n:
        return Outcome(Decision.mismatch, distance=median, reason="face_differs_from_card_holder",
                       flagged=True)
    return Outcome(Decision.unknown, distance=median, reason="weak_match")


@dataclass(frozen=True)
class FrameCandidates:
    """Per frame: the best rider and distance, and the best distance of any other rider."""

    top1_rider: object
    top1_distance: float
    top2_distance: float | None


def identify_vote(frames: list[FrameCandidates], *, threshold: float, margin: float) -> Outcome:
    """1:N in the candidate set: a frame votes for its top-1 rider only if it is within the threshold and
    beats the runner-up by the margin; the rider needs a strict majority of the frames with a face."""
    if not frames:
        return Outcome(Decision.no_face, reason="no_face_in_frames")
    votes = Counter()
    for f in frames:
        gap = (f.top2_distance - f.top1_distance) if f.top2_distance is not None else float("inf")
        if f.top1_distance <= threshold and gap >= margin:
            votes[f.top1_rider] += 1
    if votes:
        rider, count = votes.most_common(1)[0]
        if count * 2 > len(frames):
            mine = [f for f in frames if f.top1_rider == rider]
            gaps = [(f.top2_distance - f.top1_distance) for f in mine if f.top2_distance is not None]
            return Outcome(Decision.identified, rider_id=rider,
                           distance=float(np.median([f.top1_distance for f in mine])),
                           margin=float(np.median(gaps)) if gaps else None)
    best = min(frames, key=lambda f: f.top1_distance)
    gap = (best.top2_distance - best.top1_distance) if best.top2_distance is not None else None
    return Outcome(Decision.unknown, distance=best.top1_distance, margin=gap, reason="no_confident_match")


def identification_allowed(candidates: int, *, worst_group_fmr: float, max_candidates: int,
                           max_false_rate: float) -> bool:
    """Card-less 1:N only where the expected false identifications per search (about the worst group's FMR
    times the candidate set's size: DOMAIN.md, FPIR ~ N x FMR) stay under the policy's bound."""
    return candidates <= max_candidates and worst_group_fmr * candidates <= max_false_rate


# ---- the boarding decision tree (card vs identification vs presentation attack vs no face) ---------------------


@dataclass(frozen=True)
class CardFacts:
    """What the service found for a tapped card: its state, whose it is, and the holder's templates."""

    state: str  # "unregistered" | "revoked" | "active"
    rider_id: object = None
    templates: int = 0  # the holder's templates of the configured model
    other_model_templates: bool = False  # templates of another model only: the holder must enrol again


def decide_with_card(card: CardFacts, frame_distances: list[float], th: Thresholds) -> Outcome:
    """1:1 with a card: an unusable card decides nothing (a revoked one is flagged); a holder without templates of
    this model is `unknown` (not enrolled, or to re-enrol); else the frames vote against the holder's templates."""
    if card.state != "active":
        reason = "card_not_registered" if card.state == "unregistered" else "card_revoked"
        return Outcome(Decision.unknown, reason=reason, flagged=card.state == "revoked")
    if card.templates == 0:
        return Outcome(Decision.unknown, rider_id=card.rider_id,
                       reason="reenrolment_needed" if card.other_model_templates else "not_enrolled")
    vote = verify_vote(frame_distances, verify=th.verify, mismatch=th.mismatch)
    return Outcome(vote.decision, rider_id=card.rider_id, distance=vote.distance, reason=vote.reason,
                   flagged=vote.flagged)


def decide_without_card(policy: str, *, faces: int, allowed: bool, found: list[FrameCandidates],
                        th: Thresholds) -> Outcome:
    """1:N without a card, only as the policy allows: off; no face; a candidate set too large for the policy's
    bound on false identifications; nobody near; else the frames vote among the candidates."""
    if policy == IdentifyPolicy.off:
        return Outcome(Decision.unknown, reason="identification_off")
    if faces == 0:
        return Outcome(Decision.no_face, reason="no_face_in_frames")
    if not allowed:
        return Outcome(Decision.unknown, reason="candidate_set_too_large")
    if not found:
        return Outcome(Decision.unknown, reason="no_candidates")
    threshold = th.identify if policy == IdentifyPolicy.route_regulars else th.identify_gallery
    return identify_vote(found, threshold=threshold, margin=th.margin)


def after_presentation_check(outcome: Outcome, *, suspected: bool, with_card: bool) -> Outcome:
    """A photo held up to the camera proves nothing: a face match under a suspected presentation attack becomes
    `unknown`, flagged for review (with a card, the holder stays named; without one, nobody is)."""
    if not suspected or outcome.decision not in (Decision.verified, Decision.identified):
        return outcome
    return Outcome(Decision.unknown, rider_id=outcome.rider_id if with_card else None, distance=outcome.distance,
                   margin=outcome.margin, reason="presentation_attack_suspected", flagged=True)


# ---- presentation attacks -------------------------------------------------------------------------------

def _eyes(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eye centres from dlib's 5 points (two corners per eye) or 68 points (six per eye)."""
    if len(points) >= 68:
        return points[36:42].mean(axis=0), points[42:48].mean(axis=0)
    return points[0:2].mean(axis=0), points[2:4].mean(axis=0)


def _similarity_residual(a: np.ndarray, b: np.ndarray) -> float:
    """How much of the landmark motion from a to b is NOT a 2-D similarity (shift, turn, scale): a flat
    photo moved in front of the camera moves almost rigidly; a live face turns in 3-D and the nose moves
    against the eyes. Normalised by the face size (inter-ocular distance)."""
    ca, cb = a - a.mean(axis=0), b - b.mean(axis=0)
    za, zb = ca[:, 0] + 1j * ca[:, 1], cb[:, 0] + 1j * cb[:, 1]
    s = np.vdot(za, zb) / (np.vdot(za, za) or 1.0)  # complex least squares: zb ~ s * za
    residual = np.abs(zb - s * za)
    left, right = _eyes(b)
    eyes = np.linalg.norm(left - right) or 1.0
    return float(np.sqrt(np.mean(residual**2)) / eyes)


@dataclass(frozen=True)
class LivenessResult:
    checked: bool
    suspected: bool
    reason: str | None = None
    motion: float | None = None
    jump: float | None = None  # the largest template distance between consecutive frames


def presentation_attack(digests: list[str], landmarks: list[np.ndarray], *, min_motion: float,
                        encodings: list[np.ndarray] | None = None,
                        max_frame_distance: float | None = None) -> LivenessResult:
    """Across the frames of one boarding (taken ~0.2 s apart): identical frames (a replayed or frozen image),
    a face that changes between consecutive frames more than a live face can in that time (a sequence of
    different still photos shown one after another), or landmark motion that is all rigid 2-D (one photo held
    up and moved) is suspect. One frame cannot be checked. A video on a phone, a mask, or a 3-D-turned print
    are not caught; a very still live rider may be flagged: a flag withholds the automatic concession (the
    driver confirms) and asks for review; it never charges more than the standard fare."""
    if len(digests) != len(set(digests)):
        return LivenessResult(True, True, "identical_frames", 0.0)
    if len(landmarks) < 2:
        return LivenessResult(False, False, "single_frame")
    jump = None
    if encodings is not None and len(encodings) >= 2:
        jump = max(float(np.linalg.norm(np.asarray(encodings[i + 1]) - np.asarray(encodings[i])))
                   for i in range(len(encodings) - 1))
        if max_frame_distance is not None and jump > max_frame_distance:
            return LivenessResult(True, True, "frames_not_continuous", None, jump)
    motion = max(_similarity_residual(landmarks[0], other) for other in landmarks[1:])
    if motion < min_motion:
        return LivenessResult(True, True, "rigid_motion_only", motion, jump)
    return LivenessResult(True, False, None, motion, jump)


# ---- calibration ----------------------------------------------------------------------------------------


@dataclass
class Calibration:
    thresholds: list[float]
    fnmr: list[float]
    fmr: list[float]
    fnir: list[float] = field(default_factory=list)
    fpir: list[float] = field(default_factory=list)
    genuine: int = 0
    impostor: int = 0
    mated_searches: int = 0
    nonmated_searches: int = 0


def pair_distances(encodings: np.ndarray, labels: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """All pairs: (same-person distances, different-person distances)."""
    enc = np.asarray(encodings, dtype=np.float64)
    d = np.linalg.norm(enc[:, None, :] - enc[None, :, :], axis=2)
    lab = np.asarray(labels)
    iu = np.triu_indices(len(lab), k=1)
    same = lab[iu[0]] == lab[iu[1]]
    return d[iu][same], d[iu][~same]


def verification_rates(genuine: np.ndarray, impostor: np.ndarray, thresholds) -> tuple[list, list]:
    fnmr = [float(np.mean(genuine > t)) if len(genuine) else 0.0 for t in thresholds]
    fmr = [float(np.mean(impostor <= t)) if len(impostor) else 0.0 for t in thresholds]
    return fnmr, fmr


def threshold_for_fmr(impostor: np.ndarray, target_fmr: float) -> float:
    """The largest threshold whose FMR does not exceed the target (distance <= t is a match)."""
    ordered = np.sort(impostor)
    k = int(np.floor(target_fmr * len(ordered)))  # at most k impostor pairs may match
    if k >= len(ordered):
        return float(ordered[-1])
    below = ordered[k] - 1e-6
    return float(max(0.0, below))


def identification_rates(encodings: np.ndarray, labels: list[str], thresholds, *, margin: float = 0.0):
    """Open-set 1:N, leave-one-out: each photo of a person with >= 2 photos is a mated search against a
    gallery holding one other photo of each enrolled identity (first photo; the probe's own is excluded);
    each photo of a one-photo identity is a non-mated search. FNIR: mated searches not returning the right
    identity within threshold and margin; FPIR: non-mated searches returning anyone."""
    enc = np.asarray(encodings, dtype=np.float64)
    lab = np.asarray(labels)
    counts = Counter(labels)
    enrolled = sorted(k for k, v in counts.items() if v >= 2)
    first = {name: int(np.where(lab == name)[0][0]) for name in enrolled}
    second = {name: int(np.where(lab == name)[0][1]) for name in enrolled}
    mated, nonmated = [], []
    for i, name in enumerate(lab):
        gallery_rows = [(first[n] if first[n] != i else second[n], n) for n in enrolled]
        dist = np.linalg.norm(enc[[r for r, _ in gallery_rows]] - enc[i], axis=1)
        order = np.argsort(dist)
        top1, top2 = dist[order[0]], (dist[order[1]] if len(order) > 1 else np.inf)
        record = (gallery_rows[order[0]][1], top1, top2 - top1)
        (mated if counts[name] >= 2 else nonmated).append((name, record))
    fnir, fpir = [], []
    for t in thresholds:
        hits = [who == name and d <= t and gap >= margin for name, (who, d, gap) in mated]
        false = [d <= t and gap >= margin for _, (_who, d, gap) in nonmated]
        fnir.append(1 - float(np.mean(hits)) if hits else 0.0)
        fpir.append(float(np.mean(false)) if false else 0.0)
    return fnir, fpir, len(mated), len(nonmated)


# ---- aggregates -----------------------------------------------------------------------------------------


def suppress(count: int, minimum: int) -> int | None:
    """Small cells are not published (PIPA practice: fewer than 5 at least)."""
    return count if count >= minimum else None
