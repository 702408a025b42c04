"""One typed settings object, read from ``PATROLGATE_*`` variables by the entry point."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from patrolgate.timekeeping import aware_utc

#: The secret shipped for development and the demo; production refuses it.
DEVELOPMENT_SECRET = "patrolgate-development-secret-change-me"

#: The repository's ``data/`` folder, where the demo data ships (editable installs and clones).
REPOSITORY_DATA = Path(__file__).resolve().parents[2] / "data"


class Mode(StrEnum):
    """How the system runs: development and demo allow a settable clock; production does not."""

    DEVELOPMENT = "development"
    DEMO = "demo"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Every setting PatrolGate reads, each documented in README.md."""

    model_config = SettingsConfigDict(env_prefix="PATROLGATE_", extra="ignore")

    home: Path = Field(
        default=Path("patrolgate-data"), description="Folder for the embedded database."
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; SQLite under `home` when unset."
    )
    mode: Mode = Field(default=Mode.DEVELOPMENT, description="development, demo or production.")
    now: datetime | None = Field(
        default=None,
        description="A fixed clock (ISO time) for demos and tests; refused in production.",
    )
    timezone: str = Field(default="Europe/London", description="Local time zone of the force.")
    secret_key: str = Field(default=DEVELOPMENT_SECRET, description="Signs sessions and tokens.")
    demo_data: Path = Field(default=REPOSITORY_DATA, description="Folder of the shipped demo data.")
    cell_size: float = Field(default=150.0, gt=0, description="Default grid cell size in metres.")
    request_threads: int = Field(
        default=2,
        ge=1,
        le=64,
        description="Threads per service worker process that run requests' database work.",
    )

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.mode is Mode.PRODUCTION:
            if self.now is not None:
                raise ValueError("PATROLGATE_NOW (a settable clock) is refused in production mode")
            if not self.secret_key or self.secret_key == DEVELOPMENT_SECRET:
                raise ValueError(
                    "production mode needs PATROLGATE_SECRET_KEY set to a secret of your own"
                )
        ZoneInfo(self.timezone)
        return self

    @property
    def resolved_database_url(self) -> str:
        """The database URL in use: the configured one, or SQLite under ``home``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'patrolgate.db').resolve()}"

    @property
    def tz(self) -> ZoneInfo:
        """The force's local time zone."""
        return ZoneInfo(self.timezone)

    def clock_now(self) -> datetime:
        """The current time in UTC: the fixed clock when set, else the system clock."""
        if self.now is not None:
            return aware_utc(self.now, self.tz, "PATROLGATE_NOW")
        return datetime.now(UTC)
