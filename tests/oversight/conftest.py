"""Fixtures for oversight tests: the workflow's cast and areas, a settable clock, real data."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import SHIPPED_DATA
from tests.workflow.scenario import Clock, make_workflow

from patrolgate.store import Database
from patrolgate.workflow import Workflow

PAS_FILE = SHIPPED_DATA / "mopac-pas" / "pas_borough_confidence_2014-12_2023-12.csv.gz"
IMD_FILE = SHIPPED_DATA / "london-population" / "id2019_london_lsoa.xlsx"


@pytest.fixture
def clock() -> Clock:
    """A clock at Friday 5 June 2026 12:00 UTC (13:00 BST)."""
    return Clock()


@pytest.fixture
def workflow(database: Database, clock: Clock) -> Workflow:
    """Two boroughs (Lambeth, Southwark), three wards and every role."""
    return make_workflow(database, clock)


@pytest.fixture
def pas_file() -> Path:
    """The shipped MOPAC PAS borough file."""
    return PAS_FILE


@pytest.fixture
def imd_file() -> Path:
    """The shipped IMD 2019 London LSOA workbook."""
    return IMD_FILE
