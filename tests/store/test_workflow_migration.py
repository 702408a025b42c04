"""Migration 0002: workflow tables, the chain's genesis head, and a clean downgrade."""

from __future__ import annotations

import sqlalchemy
from alembic import command
from alembic.config import Config

from patrolgate.audit import GENESIS
from patrolgate.store import Database
from patrolgate.store.database import MIGRATIONS

TABLES = {
    "users",
    "intelligence",
    "deployments",
    "deployment_intelligence",
    "consultations",
    "extensions",
    "audit_entries",
    "audit_payloads",
    "audit_head",
}


def test_tables_and_genesis(database: Database) -> None:
    """Every workflow table exists; the head starts at the genesis hash."""
    assert set(database.table_names()) >= TABLES
    with database.engine.connect() as connection:
        head = connection.execute(sqlalchemy.text("SELECT seq, hash FROM audit_head")).one()
    assert tuple(head) == (0, GENESIS)


def test_downgrade_to_foundation_and_back(database: Database) -> None:
    """Downgrading to 0001 drops the workflow tables and triggers; upgrading restores them."""
    with database.engine.begin() as connection:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    assert not TABLES & set(database.table_names())
    database.migrate()
    assert set(database.table_names()) >= TABLES
