"""Settings: environment variables, defaults and the refusals of production mode."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from patrolgate.settings import DEVELOPMENT_SECRET, Mode, Settings


def test_sqlite_under_home_by_default(settings: Settings) -> None:
    """Without a database URL, the embedded SQLite database lives under the home folder."""
    assert settings.resolved_database_url.startswith("sqlite:///")
    assert settings.resolved_database_url.endswith("home/patrolgate.db")


def test_fixed_clock_is_read_in_local_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """A naive PATROLGATE_NOW is London time: in July that is one hour ahead of UTC."""
    monkeypatch.setenv("PATROLGATE_NOW", "2018-07-01T12:00")
    assert Settings().clock_now() == datetime(2018, 7, 1, 11, 0, tzinfo=UTC)


def test_production_refuses_the_development_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """Production mode needs a secret of its own."""
    monkeypatch.setenv("PATROLGATE_MODE", "production")
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(secret_key=DEVELOPMENT_SECRET)


def test_production_refuses_a_settable_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fixed clock is for demos and tests only."""
    monkeypatch.setenv("PATROLGATE_NOW", "2018-07-01T12:00")
    with pytest.raises(ValidationError, match="PATROLGATE_NOW"):
        Settings(mode=Mode.PRODUCTION, secret_key="a-real-secret-of-forty-characters-or-so")
