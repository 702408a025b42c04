"""Fixtures for the stored audit trail: the workflow tests' clock and cast."""

from __future__ import annotations

import pytest
from tests.workflow.scenario import Clock, make_workflow

from patrolgate.store import Database
from patrolgate.workflow import Workflow


@pytest.fixture
def clock() -> Clock:
    """A clock at Friday 5 June 2026 12:00 UTC."""
    return Clock()


@pytest.fixture
def workflow(database: Database, clock: Clock) -> Workflow:
    """A workflow with two boroughs, their wards and the cast of users."""
    return make_workflow(database, clock)
