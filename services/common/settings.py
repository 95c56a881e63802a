"""Settings every service shares: database URL, secrets, limits; read from the environment, never at import."""

import math
import os
from collections import Counter
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]
VAR_DIR = Path(os.environ.get("AICITY_VAR_DIR") or REPO_ROOT / "var")  # SQLite files, logs, demo keys

DEV_AUTH_SECRET = "dev-only-auth-secret-change-me-0123456789"

# A signing secret outside dev must be long and unpredictable, not merely different from the published default:
# HS256 keys should carry at least 256 bits (RFC 7518 3.2); we ask 32 characters and an estimated 128 bits, which
# `secrets.token_urlsafe(48)` (64 characters, about 380 bits) clears easily and `changeme`, `x` * 40 or a word
# padded with digits do not.
MIN_SECRET_CHARS = 32
MIN_SECRET_BITS = 128.0
MIN_SECRET_BITS_PER_CHAR = 3.0
MAKE_SECRET_HINT = "make one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
# Secrets that are not free text say how to make theirs.
SECRET_HINTS = {"TRANSIT_BOARDING_TEMPLATE_KEY": "make it with: python -c 'import base64, secrets; "
                                                 "print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())'"}
KNOWN_WEAK = {"changeme", "change-me", "secret", "password", "admin", "default", "test", "dev"}


def secret_weakness(value: str) -> str | None:
    """Why `value` is not fit to sign tokens, or None. Entropy is estimated from the value's own character
    frequencies (Shannon), and repetition from its distinct three-character pieces (random text repeats almost
    none), so neither a run of one character nor a repeated phrase passes."""
    if not value or not value.strip():
        return "is empty"
    if value.strip().lower() in KNOWN_WEAK:
        return "is a well-known placeholder"
    if len(value) < MIN_SECRET_CHARS:
        return f"is too short ({len(value)} characters; at least {MIN_SECRET_CHARS})"
    counts = Counter(value)
    per_char = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    if per_char < MIN_SECRET_BITS_PER_CHAR or per_char * len(value) < MIN_SECRET_BITS:
        return f"is too predictable (about {per_char:.1f} bits per character; random text has 5 or more)"
    trigrams = {value[i:i + 3] for i in range(len(value) - 2)}
    if len(trigrams) < 0.8 * (len(value) - 2):  # a phrase or run repeated: "password123password123"
        return "is too predictable (it repeats itself)"
    return None


def sqlite_url(name: str) -> str:
    return f"sqlite:///{VAR_DIR / f'{name}.db'}"


class ServiceSettings(BaseSettings):
    """Base for `<Name>Settings(env_prefix="<NAME>_")`. Suite-wide values are read from `AICITY_*`."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    service_name: str = "service"
    database_url: str = ""
    env: str = Field(default="dev", validation_alias=AliasChoices("AICITY_ENV"))
    auth_secret: str = Field(default=DEV_AUTH_SECRET, validation_alias=AliasChoices("AICITY_AUTH_SECRET"))
    identity_database_url: str = Field(
        default_factory=lambda: sqlite_url("identity"),
        validation_alias=AliasChoices("AICITY_IDENTITY_DATABASE_URL"),
    )
    token_ttl_s: int = Field(default=3600, validation_alias=AliasChoices("AICITY_TOKEN_TTL_S"))
    max_body_bytes: int = 2 * 1024 * 1024
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("AICITY_LOG_LEVEL"))
    # Operations endpoints: `public` (on the API port), `internal` (/metrics on its own loopback or private port,
    # AICITY_OPS_HOST:AICITY_OPS_PORT) or `off`. Empty means public in dev and off in production.
    metrics: str = Field(default="", pattern="^(|public|internal|off)$",
                         validation_alias=AliasChoices("AICITY_METRICS"))
    docs: str = Field(default="", pattern="^(|public|off)$", validation_alias=AliasChoices("AICITY_DOCS"))
    ops_host: str = Field(default="127.0.0.1", validation_alias=AliasChoices("AICITY_OPS_HOST"))
    ops_port: int = Field(default=0, validation_alias=AliasChoices("AICITY_OPS_PORT"))
    # Shared limits (sign-in throttling, per-device rate) across workers and services; in-process without it.
    redis_url: str = Field(default="", validation_alias=AliasChoices("AICITY_REDIS_URL"))
    # Per-device moving window on device endpoints: `device_burst` requests in any burst/rate seconds.
    device_rate_per_s: float = Field(default=20.0, gt=0, validation_alias=AliasChoices("AICITY_DEVICE_RATE_PER_S"))
    device_burst: int = Field(default=200, ge=1, validation_alias=AliasChoices("AICITY_DEVICE_BURST"))
    # Failed sign-ins allowed before 429: per account and per client address; the longer window is the lockout.
    signin_account_limits: str = Field(default="5/minute;20/hour",
                                       validation_alias=AliasChoices("AICITY_SIGNIN_ACCOUNT_LIMITS"))
    signin_address_limits: str = Field(default="30/minute;200/hour",
                                       validation_alias=AliasChoices("AICITY_SIGNIN_ADDRESS_LIMITS"))
    # How long a service may trust its copy of an account (disabled? role, place, token version?).
    account_cache_s: float = Field(default=2.0, validation_alias=AliasChoices("AICITY_ACCOUNT_CACHE_S"))

    @property
    def dev_mode(self) -> bool:
        return self.env == "dev"

    @property
    def metrics_exposure(self) -> str:
        return self.metrics or ("public" if self.dev_mode else "off")

    @property
    def docs_exposure(self) -> str:
        return self.docs or ("public" if self.dev_mode else "off")

    def default_secrets(self) -> list[str]:
        """Names of secrets still at their published dev default; subclasses add their own."""
        return ["AICITY_AUTH_SECRET"] if self.auth_secret == DEV_AUTH_SECRET else []

    def weak_secrets(self) -> list[str]:
        """One line per secret unfit outside dev: the published defaults, and a signing secret that is empty,
        short or predictable."""
        problems = [f"{name} is the published development default" + (f" ({SECRET_HINTS[name]})"
                                                                        if name in SECRET_HINTS else "")
                    for name in self.default_secrets()]
        if "AICITY_AUTH_SECRET" not in self.default_secrets():
            why = secret_weakness(self.auth_secret)
            if why:
                problems.append(f"AICITY_AUTH_SECRET {why}")
        return problems

    def check_secrets(self) -> None:
        """Refuse to start with an empty signing secret anywhere (every sign-in would fail), and outside dev with
        any weak or default secret, naming each setting and how to make a good one."""
        if not self.auth_secret:
            raise RuntimeError(f"refusing to start: AICITY_AUTH_SECRET is empty; {MAKE_SECRET_HINT}")
        if self.dev_mode:
            return
        problems = self.weak_secrets()
        if problems:
            raise RuntimeError(
                f"refusing to start with weak or default secrets outside dev mode (AICITY_ENV={self.env}): "
                + "; ".join(problems) + f". Set each in the environment; {MAKE_SECRET_HINT}"
            )

    def refuse_demo_data(self, what: str = "demo seeding") -> None:
        """Demo accounts with published passwords must never exist outside dev."""
        if not self.dev_mode:
            raise RuntimeError(
                f"refusing {what} outside dev mode (AICITY_ENV={self.env}): it creates accounts with published "
                "passwords. Create real accounts with `aicity account create` instead."
            )
