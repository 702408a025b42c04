"""One typed settings object, read from ``PATROLGATE_*`` variables by the entry point."""

from __future__ import annotations

import math
import string
import zlib
from datetime import UTC, datetime
from enum import StrEnum
from ipaddress import ip_network
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from patrolgate.timekeeping import aware_utc

#: The secret shipped for development and the demo; production refuses it.
DEVELOPMENT_SECRET = "patrolgate-development-secret-change-me"

#: A production secret needs at least this much entropy (32 bytes).
SECRET_BITS = 256

_HEX = frozenset(string.hexdigits)
_BASE64 = frozenset(string.ascii_letters + string.digits + "+/-_")


def secret_bits(secret: str) -> float:
    """A conservative estimate of a secret's entropy in bits, for a randomly generated one.

    Each character counts for what its alphabet can hold (hex 4 bits, base64 6, printable
    text about 6.6), and a secret that repeats a few characters counts for little: it was
    not drawn at random. ``secrets.token_urlsafe(32)`` and ``openssl rand -hex 32`` pass.
    """
    text = secret.rstrip("=")
    if not text:
        return 0.0
    if set(text) <= _HEX:
        per_character = 4.0
    elif set(text) <= _BASE64:
        per_character = 6.0
    else:
        per_character = math.log2(95)
    distinct = len(set(text))
    if distinct < min(len(text), 8):  # "aaaa…", "abab…": typed, not drawn
        per_character = math.log2(max(distinct, 1))
    compressed_bits = (len(zlib.compress(text.encode("utf-8"), 9)) - 8) * 8
    return min(len(text) * per_character, float(compressed_bits))


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
    secret_key: str = Field(
        default=DEVELOPMENT_SECRET,
        description=(
            "The instance's secret (at least 32 random bytes in production): keys the hashes "
            "of failed sign-ins and known-browser cookies, and signs published chain heads."
        ),
    )
    trusted_proxies: str = Field(
        default="",
        description=(
            "Comma-separated addresses or networks of reverse proxies whose X-Forwarded-For "
            "and X-Forwarded-Proto are believed; none by default."
        ),
    )
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
            if secret_bits(self.secret_key) < SECRET_BITS:
                raise ValueError(
                    "PATROLGATE_SECRET_KEY holds less than 32 bytes of entropy; generate one "
                    "with `python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
                )
        ZoneInfo(self.timezone)
        self.proxy_networks()  # refuses a malformed list at start-up
        return self

    def proxy_networks(self) -> tuple[str, ...]:
        """The trusted proxies as networks (``10.0.0.5`` is ``10.0.0.5/32``)."""
        networks = []
        for item in self.trusted_proxies.split(","):
            if item.strip():
                try:
                    networks.append(str(ip_network(item.strip(), strict=False)))
                except ValueError as error:
                    raise ValueError(f"PATROLGATE_TRUSTED_PROXIES: {error}") from error
        return tuple(networks)

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
