"""Settings of the transit service, read from `TRANSIT_*` environment variables."""

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
    # Thresholds on dlib/face_recognition distance. Defaults come from `aicity transit evaluate` on
    # ../shared/faces (lfw + people), see boarding/README.md: verify at FMR ~0.1%, mismatch only where
    # almost no genuine pair lands (FNMR ~0.5%), identification in a small candidate set with a
    # top-1/top-2 margin, and a stricter threshold for the whole gallery.
    boarding_verify_threshold: float = 0.50
    boarding_mismatch_threshold: float = 0.62
    boarding_identify_policy: str = "route_regulars"  # route_regulars | gallery | off
    boarding_identify_threshold: float = 0.45
    boarding_identify_gallery_threshold: float = 0.38
    boarding_identify_margin: float = 0.10
    # Image checks: the smallest face accepted for enrolment, and limits that stop decompression bombs
    # before a pixel is decoded.
    boarding_min_face_px: int = 64
    boarding_max_image_bytes: int = 8 * 1024 * 1024
    boarding_max_image_pixels: int = 12_000_000
    boarding_detect_max_side: int = 640
    # Presentation-attack check across frames (see boarding/liveness in domain.py).
    boarding_liveness_min_motion: float = 0.04
    # A worker's gallery catches up with the change log at least this often even without NOTIFY.
    boarding_gallery_poll_s: float = 5.0

    def default_secrets(self) -> list[str]:
        left = super().default_secrets()
        if self.boarding_template_key == DEV_TEMPLATE_KEY:
            left.append("TRANSIT_BOARDING_TEMPLATE_KEY")
        return left
