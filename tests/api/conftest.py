"""Fixtures for the web service tests: a seeded world on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from world import World, build_world

from patrolgate.settings import Settings
from patrolgate.store import Database


@pytest.fixture
def world(settings: Settings, database: Database) -> World:
    """The app over two boroughs and the cast, every user with the test password."""
    return build_world(settings, database)
