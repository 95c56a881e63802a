"""Settings every service shares: database URL, secrets, limits; read from the environment, never at import."""

import os
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]
VAR_DIR = Path(os.environ.get("AICITY_VAR_DIR") or REPO_ROOT / "var")  # SQLite files, logs, demo keys

DEV_AUTH_SECRET = "dev-only-auth-secret-change-me-0123456789"


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

    @property
    def dev_mode(self) -> bool:
        return self.env == "dev"

    def default_secrets(self) -> list[str]:
        """Names of secrets still at their published dev default; subclasses add their own."""
        return ["AICITY_AUTH_SECRET"] if self.auth_secret == DEV_AUTH_SECRET else []

    def check_secrets(self) -> None:
        if self.dev_mode:
            return
        left = self.default_secrets()
        if left:
            raise RuntimeError(
                f"refusing to start with default secrets outside dev mode (AICITY_ENV={self.env}): "
                + ", ".join(left)
            )
