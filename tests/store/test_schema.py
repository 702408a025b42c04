"""The schema: migrations on SQLite and PostgreSQL, matching the models, with no person columns."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from patrolgate.events.records import PERSON_COLUMNS
from patrolgate.store import Base, Database


def test_migrations_are_idempotent_and_match_the_models(database: Database) -> None:
    """Upgrading twice changes nothing, and the migrated schema equals the models'."""
    database.migrate()
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_no_table_has_a_column_about_a_person(database: Database) -> None:
    """Areas, never people: no column of any table is an age, sex, ethnicity or name of a person."""
    inspector = inspect(database.engine)
    columns = {
        f"{table}.{column['name']}"
        for table in inspector.get_table_names()
        for column in inspector.get_columns(table)
    }
    flagged = {
        c
        for c in columns
        if c.split(".")[1].replace("_", " ") in PERSON_COLUMNS
        or any(word in c.split(".")[1] for word in ("ethnic", "gender", "birth", "_age", "sex"))
        or c.split(".")[1] in ("surname", "forename", "person", "person_id", "nominal")
    }
    assert flagged == set()
    assert "events.category" in columns
