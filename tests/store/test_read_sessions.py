"""Read-only sessions: autocommit on PostgreSQL (no BEGIN/ROLLBACK round trips), and the
connections they used go back to the pool as transactional as before."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from patrolgate.store import Database


def _driver(session: Session) -> Any:
    return session.connection().connection.driver_connection


def test_reads_autocommit_on_postgresql_only(database: Database) -> None:
    with database.reads() as session:
        assert session.execute(text("SELECT 1")).scalar_one() == 1
        driver = _driver(session)
        if database.is_sqlite:
            assert database.read_sessions is None  # the ordinary sessions: no round trips
            return
        assert driver.autocommit is True
        assert driver.info.transaction_status.name == "IDLE"  # no transaction was opened


def test_transactions_after_reads_are_still_atomic(database: Database) -> None:
    """Every pooled connection has served a read; a failed transaction still writes nothing."""
    for _ in range(3):
        with database.reads() as session:
            session.execute(text("SELECT 1"))
    with database.transaction() as session:
        session.execute(text("CREATE TABLE scratch (n INTEGER)"))
        driver = _driver(session)
        assert driver.in_transaction if database.is_sqlite else driver.autocommit is False
    with pytest.raises(RuntimeError), database.transaction() as session:
        session.execute(text("INSERT INTO scratch (n) VALUES (1)"))
        raise RuntimeError("fails after the insert")
    with database.reads() as session:
        assert session.execute(text("SELECT count(*) FROM scratch")).scalar_one() == 0
