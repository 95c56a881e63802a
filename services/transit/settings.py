"""Settings of the transit service, read from `TRANSIT_*` environment variables."""

from typing import Literal

from pydantic import model_validator
from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings, sqlite_url

# A published development key (32 bytes, urlsafe base64): refused outside dev by check_secrets().
DEV_TEMPLATE_KEY = "ZGV2LW9ubHktYm9hcmRpbmctdGVtcGxhdGUta2V5LTA="


class TransitSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TRANSIT_", extra="ignore")

    service_name: str = "transit"
    database_url: str = sqlite_url("transit")
    port: int = 8101
    # Door cameras send up to 5 JPEG frames per boarding; offline batches carry several boardings.
    max_body_bytes: int = 24 * 1024 * 1024

    # ---- boarding by face -------------------------------------------------------------------------------
    # AES-256-GCM key for face templates at rest (urlsafe base64 of 32 bytes) and its id, stored beside
    # each template so keys can be rotated.
    boarding_template_key: str = DEV_TEMPLATE_KEY
    boarding_template_key_id: str = "k1"
    # Incheon Smart Pass keeps a face template valid 5 years (DOMAIN.md); the purge job erases it after.
    boarding_template_validity_days: int = 1825
    # Thresholds on the face model's distance, set by the WORST group, not the average: `aicity transit evaluate
    # ../shared/faces/lfw ../shared/faces/lfw-east-asian ../shared/faces/people --groups ../shared/faces/groups.csv`
    # (boarding/CALIBRATION.md). East-Asian faces, our riders, are where dlib fails most:
    # - verify: the East-Asian threshold for FMR <= 0.1% with the kiosk's up to 3 enrolment photos (the nearest
    #   template decides, so more photos mean more chances for an impostor: 0.377 held 0.1% for one photo only);
    #   the card's concession needs it, or the driver;
    # - mismatch 0.62: flagged for review only beyond it (no East-Asian same-person pair of the set lands there);
    # - identify: card-less 1:N among a route's regulars, where the worst group's FMR at the threshold times
    #   the candidate set's size must stay under the policy's bound (checked below, and per search).
    boarding_verify_threshold: float = 0.370
    boarding_mismatch_threshold: float = 0.62
    boarding_identify_policy: Literal["route_regulars", "gallery", "off"] = "route_regulars"
    boarding_identify_threshold: float = 0.34
    boarding_identify_gallery_threshold: float = 0.34
    boarding_identify_margin: float = 0.10
    # Card-less identification policy: the expected false identifications per search (FPIR ~ FMR x candidates)
    # may not exceed `boarding_identify_max_false_rate`. `boarding_identify_worst_group_fmr` is the 95% upper
    # bound of the worst group's FMR at the identify threshold (CALIBRATION.md: 0 of 8,699 East-Asian impostor
    # pairs at 0.34, bound 0.034%); a search over more than `boarding_identify_max_candidates` riders is refused.
    boarding_identify_max_false_rate: float = 0.01
    boarding_identify_worst_group_fmr: float = 0.00035
    boarding_identify_max_candidates: int = 28
    # Image checks: the smallest face accepted for enrolment, and limits that stop decompression bombs
    # before a pixel is decoded.
    boarding_min_face_px: int = 64
    boarding_max_image_bytes: int = 8 * 1024 * 1024
    boarding_max_image_pixels: int = 12_000_000
    boarding_detect_max_side: int = 640
    # Kiosk photos and door frames (one pipeline, as `transit evaluate` measures it): the smallest face (full-size
    # pixels) the detector looks for in a photo larger than `boarding_detect_max_side`; it is scanned at the scale
    # where such a face fills dlib's 80-px window (faces.detection_scale), never finer than the default scan.
    # 80 finds what the 640-px copy upsampled once found in a 1280x720 frame, at less cost; larger values are
    # faster and miss smaller faces (0: the default scan).
    boarding_detect_min_face_px: int = 80
    # Door frames only: scan a half-size copy first and keep what it finds when that face is at least twice
    # `boarding_detect_min_face_px` (its box then placed by the finer scan on a crop); else the whole finer scan.
    # Off by default: on 120 synthetic 720p door frames (docs/BENCHMARKS.md) it chose another face than the whole
    # scan in 1 frame with two faces (the nearer face missed at the coarse scale), and the template moved by a
    # median 0.024 (p95 0.06) from the whole scan's: the detection stage costs a quarter when on.
    boarding_detect_coarse_first: bool = False
    # Door frames only: MediaPipe's BlazeFace (boarding/locator.py, ~7 ms a 720p frame) says where the largest face
    # is, and HOG places its box on a crop around it (~a fifth of the whole scan's pixels); when BlazeFace finds no
    # face, or HOG none where it pointed, the scans above follow as without it. `aicity transit evaluate --door`
    # measures it against the whole scan by group on synthetic door frames (docs/BENCHMARKS.md, CALIBRATION.md).
    boarding_detect_locate_first: bool = True
    # Erasure at the kiosk by card + date of birth (or face): after this many refused proofs for one card in
    # `boarding_erasure_window_s`, further attempts are refused (429) until the oldest leaves the window, so
    # someone holding a card cannot try the ~36,500 birth dates of a century.
    boarding_erasure_max_refusals: int = 5
    boarding_erasure_window_s: int = 3600
    # Quality gate at enrolment and at the door (faces.QualityGate): sharpness is the variance of the Laplacian
    # of the face scaled to 112x112, yaw the nose's offset from the eyes' midline in eye distances.
    # Defaults from the levers in CALIBRATION.md: refusing the blurriest tenth of East-Asian photos and strongly
    # turned faces lowered FNMR at FMR 0.1% from 36% to 26%.
    boarding_min_sharpness: float = 35.0
    boarding_max_yaw: float = 0.25
    # The face model: dlib's ResNet (5-point alignment), or an ArcFace-style ONNX model the city has licensed
    # (path and an id stored with every template; templates of another model are never compared).
    boarding_face_model: Literal["dlib", "onnx"] = "dlib"
    boarding_onnx_model_path: str = ""
    boarding_onnx_model_id: str = ""
    # Presentation-attack check across frames (see boarding/liveness in domain.py).
    # With dlib's 5 landmarks: a print moved, turned and scaled leaves a residual of ~0.011-0.012 (tests'
    # `moved` frames); the fake camera's 8% squeeze (a head turning) 0.031-0.039. 0.02 sits between.
    boarding_liveness_min_motion: float = 0.02
    # Consecutive door frames (~0.2 s apart) of a live face stay close (0.19-0.21 even in that swaying test
    # video); different still photos of one person shown one after another are 0.34-0.40 apart (obama 1/2/4).
    boarding_liveness_max_frame_distance: float = 0.28
    # A worker's gallery catches up with the change log at least this often even without NOTIFY.
    boarding_gallery_poll_s: float = 5.0
    # A whole-gallery search (policy `gallery`) past this many templates asks an HNSW graph (faiss) for
    # `boarding_ann_candidates` candidate templates per probe and ranks them by their exact distance; smaller
    # galleries are searched exactly. `boarding_ann_expansion` is the graph's search depth (recall against
    # latency), `boarding_ann_connectivity` its links per vector and `boarding_ann_expansion_add` its build depth
    # (quality against build time): benchmarks/bench_boarding_search.py measures its top-1 agreement with the
    # exact search at 200,000 and 1,000,000 templates.
    boarding_ann_min_templates: int = 100_000
    boarding_ann_candidates: int = 64
    boarding_ann_expansion: int = 192
    boarding_ann_connectivity: int = 48
    boarding_ann_expansion_add: int = 200
    # A bus's offline queue (README "Sync protocol"): an event more than this ahead of the server's clock, or
    # older than this when it arrives, is refused by its index (occurred_at_in_future / occurred_at_too_old).
    boarding_future_window_s: int = 300
    boarding_past_window_days: int = 7

    @model_validator(mode="after")
    def _identification_within_policy(self):
        """A configuration whose card-less identification could falsely identify more often than the policy
        allows is refused at start-up."""
        expected = self.boarding_identify_worst_group_fmr * self.boarding_identify_max_candidates
        if self.boarding_identify_policy != "off" and expected > self.boarding_identify_max_false_rate:
            raise ValueError(
                f"card-less identification over up to {self.boarding_identify_max_candidates} riders at a worst-group "
                f"FMR of {self.boarding_identify_worst_group_fmr} expects {expected:.4f} false identifications per "
                f"search, above TRANSIT_BOARDING_IDENTIFY_MAX_FALSE_RATE={self.boarding_identify_max_false_rate}: "
                "lower TRANSIT_BOARDING_IDENTIFY_MAX_CANDIDATES, measure a stricter threshold, or set "
                "TRANSIT_BOARDING_IDENTIFY_POLICY=off")
        if self.boarding_face_model == "onnx" and not (self.boarding_onnx_model_path and self.boarding_onnx_model_id):
            raise ValueError("TRANSIT_BOARDING_FACE_MODEL=onnx needs TRANSIT_BOARDING_ONNX_MODEL_PATH and "
                             "TRANSIT_BOARDING_ONNX_MODEL_ID")
        return self

    def default_secrets(self) -> list[str]:
        left = super().default_secrets()
        if self.boarding_template_key == DEV_TEMPLATE_KEY:
            left.append("TRANSIT_BOARDING_TEMPLATE_KEY")
        return left
