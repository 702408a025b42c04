"""The map in a real browser: the data's end, ranked places by keyboard, shapes out of the
tab order, imported names shown as text."""

from __future__ import annotations

import shutil
import socket
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import update

from patrolgate.accounts import Accounts
from patrolgate.picture import MapWindow
from patrolgate.server import create_app
from patrolgate.settings import Settings
from patrolgate.store import Database
from patrolgate.store.tables import AreaRow
from patrolgate.workflow import Workflow

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow"))
import scenario

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
#: A borough name carrying markup, as a hostile boundary file might.
HOSTILE = '<img src=x onerror="window.__injected=1">'


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def service(recorded: Database, tmp_path: Path) -> Iterator[str]:
    """The service over London at 07:00 on 1 February 2021, with markup in borough names."""
    database = recorded
    with database.transaction() as session:
        session.execute(
            update(AreaRow).where(AreaRow.level == "borough").values(name=HOSTILE + AreaRow.name)
        )
    clock = scenario.Clock(datetime(2021, 2, 1, 7, tzinfo=UTC))
    workflow = Workflow(database=database, clock=clock, timezone=Settings().tz)
    scenario.seed_users(workflow)
    Accounts(database).set_password(None, "analyst1", PASSWORD)
    settings = Settings(home=tmp_path, cell_size=500.0)
    app = create_app(settings, database=database, clock=clock, sweep_every=None)
    app.state.services.picture.forecast_geojson(MapWindow.DAY)  # fit before the browser asks
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def page(service: str) -> Iterator[Any]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            page.goto(f"{service}/login")
            page.get_by_label("User name").fill("analyst1")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{service}/map")
            yield page
        finally:
            browser.close()


def test_the_map_says_where_its_data_end_and_ranks_places(page: Any) -> None:
    """Events up to the end of January 2021; ten wards by expected events, by keyboard."""
    assert page.get_by_test_id("events-up-to").inner_text() == (
        "Events up to the end of Sun 31 Jan 2021."
    )
    places = page.get_by_test_id("top-places").get_by_role("button")
    places.first.wait_for()
    assert places.count() == 10
    legend = page.get_by_test_id("legend").inner_text()
    assert "Measured accuracy" in legend and "not measured" not in legend
    assert "in the top 1.0 %" in legend
    places.first.focus()
    page.keyboard.press("Enter")
    place = page.get_by_test_id("place")
    place.get_by_role("heading").wait_for()
    assert "recorded events in the 12 months to 2021-02-01" in place.inner_text()


def test_the_map_shapes_are_not_tab_stops(page: Any) -> None:
    """Tab from the top reaches the ranked places in a few presses, never a map shape."""
    page.get_by_test_id("top-places").get_by_role("button").first.wait_for()
    assert page.evaluate("document.querySelectorAll('#map path').length") > 50
    page.locator("body").focus()
    reached = None
    for presses in range(1, 41):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "[document.activeElement.tagName, document.activeElement.closest('#places') !== null]"
        )
        assert focused[0].lower() != "path"
        if focused[1]:
            reached = presses
            break
    assert reached is not None and reached < 30


def test_imported_names_are_shown_as_text_never_markup(page: Any) -> None:
    """A borough name holding an <img onerror> shows its characters; nothing runs."""
    page.get_by_test_id("top-places").get_by_role("button").first.wait_for()
    box = page.get_by_test_id("map").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.55)
    tooltip = page.locator(".leaflet-tooltip").first
    tooltip.wait_for()
    assert "<img" in tooltip.inner_text()
    assert page.evaluate("document.querySelectorAll('.leaflet-tooltip img').length") == 0
    assert page.evaluate("window.__injected") is None
