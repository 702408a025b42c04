"""The schema: migrations on SQLite and PostgreSQL, matching the models, with no person columns."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect

from patrolgate.events.allow_list import PERSON_COLUMNS, PERSON_WORDS
from patrolgate.store import Base, Database
from patrolgate.store.intake_layout import EVENT_TABLES

#: Words in a column's name that could make it describe a person, beyond PERSON_WORDS.
SUSPECT_WORDS = PERSON_WORDS | {"name", "names", "ethnic", "postcode", "phone", "email", "id_no"}
#: Columns with such a word that were reviewed and describe no subject of the system: each
#: with the reason. A new column with a suspect word fails the test until reviewed here.
REVIEWED = {
    "areas.name": "the name of an area (a borough, ward, LSOA or district)",
    "crime_counts.area_name": "the name of the area a published count covers",
    "lsoa_deprivation.lsoa_name": "the name of an LSOA",
    "lsoa_deprivation.district_name": "the name of a local authority district",
    "pas_results.borough_name": "the name of a borough",
    "import_runs.file_name": "the name of an imported file",
    "deployments.profile_name": "the name of the policy profile a deployment follows",
    "policy_profiles.name": "the name of an installed policy profile (a power, not a person)",
    "account_tokens.name": "the label a user gives an API token ('records system feed')",
    "events.victim_reported": "whether an event's category is victim-reported harm (a "
    "property of the category, never of a person)",
}


def _differences(connection: Connection, tables: set[str] | None) -> list[object]:
    """What differs between the models (only ``tables``, or all) and the connection's schema."""

    def include(item: Any, name: str | None, kind: str, _reflected: bool, _other: Any) -> bool:
        if tables is None:
            return True
        table = name if kind == "table" else getattr(getattr(item, "table", None), "name", None)
        return table is None or table in tables

    context = MigrationContext.configure(connection, opts={"include_object": include})
    return list(compare_metadata(context, Base.metadata))


def test_migrations_are_idempotent_and_match_the_models(database: Database) -> None:
    """Upgrading twice changes nothing, and the migrated schema equals the models' (on an
    SQLite file: the event tables in the event store file, the rest in the database)."""
    database.migrate()
    if database.event_engine is None:
        with database.engine.connect() as connection:
            assert _differences(connection, None) == []
        return
    others = set(Base.metadata.tables) - set(EVENT_TABLES)
    with database.engine.connect() as connection:
        assert _differences(connection, others | {"alembic_version"}) == []
        main_tables = set(inspect(connection).get_table_names())
    assert not main_tables & set(EVENT_TABLES)
    with database.event_engine.connect() as connection:
        assert _differences(connection, set(EVENT_TABLES)) == []
        assert set(inspect(connection).get_table_names()) == set(EVENT_TABLES)


def _columns(database: Database) -> set[str]:
    inspector = inspect(database.engine)
    return {
        f"{table}.{column['name']}"
        for schema in database.table_schemas()
        for table in inspector.get_table_names(schema=schema)
        for column in inspector.get_columns(table, schema=schema)
    }


def test_no_table_has_a_column_about_a_person(database: Database) -> None:
    """Areas, never people: every column of every table (the event store's too) is checked
    for a name, age, sex, ethnicity, date of birth, person id or address."""
    columns = _columns(database)
    assert "events.category" in columns
    assert "import_runs.rows_read" in columns
    flagged = set()
    for qualified in columns:
        column = qualified.split(".", 1)[1]
        words = set(column.lower().replace("-", "_").split("_"))
        if (
            column.replace("_", " ") in PERSON_COLUMNS
            or words & SUSPECT_WORDS
            or any(part in column for part in ("ethnic", "gender", "birth", "surname", "forename"))
        ):
            flagged.add(qualified)
    assert flagged - set(REVIEWED) == set()
