"""PostgreSQL pooled connections: pinged after lying idle, not before every use."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy import text

from patrolgate.store import Database
from patrolgate.store import database as database_module


@pytest.fixture
def postgres(database: Database) -> Iterator[Database]:
    if database.is_sqlite:
        pytest.skip("SQLite files are not pooled network connections")
    yield database


def _backend(database: Database) -> int:
    with database.reads() as session:
        return int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _count_pings(database: Database, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    pings: list[int] = []
    real = database.engine.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pings.append(1)
        return real(dbapi_connection)

    monkeypatch.setattr(database.engine.dialect, "do_ping", counted)
    return pings


def test_a_connection_in_use_is_not_pinged(
    postgres: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings = _count_pings(postgres, monkeypatch)
    first = _backend(postgres)
    for _ in range(5):
        assert _backend(postgres) == first  # last in, first out: the same hot connection
    assert pings == []


def test_a_connection_dropped_while_idle_is_replaced(
    postgres: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    lost = _backend(postgres)
    admin = sqlalchemy.create_engine(postgres.engine.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": lost})
    admin.dispose()
    pings = _count_pings(postgres, monkeypatch)
    monkeypatch.setattr(database_module, "PING_AFTER_IDLE", 0.0)  # it has been idle enough
    replacement = _backend(postgres)  # no error: the ping found it dead, the pool reconnected
    assert replacement != lost
    assert pings == [1]  # the dead one; its fresh replacement needs none
