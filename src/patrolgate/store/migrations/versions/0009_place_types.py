"""place types: the kind of place each event happened at (street, residence, ...)

``events.place_type``: nullable, one of the closed list in
:mod:`patrolgate.events.place_types` (never free text: free text could describe a person).
On an SQLite file the events live in the event store (attached as ``event_store``), which
0006 may already have created from the models with the column: it is added only where
missing.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import inspect

from patrolgate.store.intake_layout import EVENT_SCHEMA, event_store_attached

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _events_schema() -> str | None:
    return EVENT_SCHEMA if event_store_attached(op.get_bind()) else None


def _has_place_type(schema: str | None) -> bool:
    columns = inspect(op.get_bind()).get_columns("events", schema=schema)
    return any(column["name"] == "place_type" for column in columns)


def upgrade() -> None:
    """Events gain a nullable place type."""
    schema = _events_schema()
    if not _has_place_type(schema):
        op.add_column(
            "events", sa.Column("place_type", sa.String(length=20), nullable=True), schema=schema
        )


def downgrade() -> None:
    """Drop the place type. An attached event store is left as it is (a connection may hold
    it read-only, as 0006's downgrade says): older builds never read or write the column."""
    schema = _events_schema()
    if schema is None and _has_place_type(None):
        with op.batch_alter_table("events") as batch:
            batch.drop_column("place_type")
