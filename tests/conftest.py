"""Fixtures shared by every test: settings, databases on SQLite and PostgreSQL, the shared data."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy

from patrolgate.settings import Settings
from patrolgate.store import Database, create_database

REPOSITORY = Path(__file__).resolve().parents[1]
SHIPPED_DATA = REPOSITORY / "data"
SHARED_DATA = REPOSITORY.parent / "shared" / "data"
POSTGRES_URL = os.environ.get(
    "PATROLGATE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _postgres_reachable() -> bool:
    try:
        engine = sqlalchemy.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


POSTGRES_AVAILABLE = _postgres_reachable()


def postgres_schema_url(schema: str) -> str:
    """A URL whose connections use ``schema`` first, isolating one test's tables."""
    return f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on SQLite, then on PostgreSQL (skipped when unreachable)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'patrolgate.db'}"
        return
    if not POSTGRES_AVAILABLE:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")
    schema = f"pgtest_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        yield postgres_schema_url(schema)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """A migrated, empty database (SQLite and PostgreSQL)."""
    db = create_database(database_url)
    db.migrate()
    try:
        yield db
    finally:
        db.dispose()


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings pointing at a fresh home folder, with the environment cleaned."""
    for name in list(os.environ):
        if name.startswith("PATROLGATE_") and name != "PATROLGATE_TEST_POSTGRES_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("PATROLGATE_HOME", str(tmp_path / "home"))
    return Settings()
