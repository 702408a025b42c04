"""The three reads kept in memory (the oversight dashboard, the algorithm record, a map click)
show every change of what they read: a deployment authorised or revoked, pings imported, a
backtest recorded, events fed."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from test_routes_events import IN_LAMBETH, _events, _feed_client
from tests.oversight.test_algorithm import map_document
from world import World

from patrolgate.oversight import record_backtest
from patrolgate.oversight.tracking import import_pings

GROUNDS = "Reliable intelligence of imminent serious violence in this ward."


def _tracking(client: TestClient) -> str:
    """The dashboard's tracking section, as served."""
    page = client.get("/oversight")
    assert page.status_code == 200, page.text
    return page.text.split('data-testid="tracking"', 1)[1].split("</section>", 1)[0]


@pytest.fixture
def oversight(world: World) -> TestClient:
    """The oversight role, signed in."""
    return world.signed_in("oversight1")[0]


def test_the_dashboard_shows_an_authorisation_made_within_its_minute(
    world: World, oversight: TestClient
) -> None:
    """The clock stands still: the page is served from memory until a deployment is
    authorised, and the next request shows it."""
    assert "No deployment has started" in _tracking(oversight)
    deployment = world.ready_deployment(start_in=0.001)
    assert "No deployment has started" in _tracking(oversight)  # proposed, not authorised
    world.workflow.authorise("sfc.adams", deployment, grounds=GROUNDS)
    world.clock.advance(seconds=5)  # its powers began 3.6 s after the authorisation
    assert world.clock.now.minute == 0
    assert deployment in _tracking(oversight)


def test_the_dashboard_shows_pings_imported_within_its_minute(
    world: World, oversight: TestClient, tmp_path: Path
) -> None:
    """Pings are imported, not audited: their count and newest row tell the dashboard."""
    deployment = world.ready_deployment(start_in=0.001)
    world.workflow.authorise("sfc.adams", deployment, grounds=GROUNDS)
    world.clock.advance(seconds=10)
    assert "unit-7" not in _tracking(oversight)
    lat, lon = IN_LAMBETH
    pings = tmp_path / "pings.csv"
    pings.write_text(
        f"unit,time,lat,lon,deployment\nunit-7,{world.clock.now.isoformat()},{lat},{lon},"
        f"{deployment}\n",
        encoding="utf-8",
    )
    assert import_pings(world.database, pings, world.workflow.timezone).stored == 1
    assert "unit-7" in _tracking(oversight)


def test_the_dashboard_shows_a_revocation(world: World, oversight: TestClient) -> None:
    """Revoked half an hour in: the dashboard's window stops there, a quarter of an hour on."""
    deployment = world.ready_deployment(start_in=0.001)
    world.workflow.authorise("sfc.adams", deployment, grounds=GROUNDS)
    world.clock.advance(minutes=30)
    assert re.search(r"/ 30\b", _tracking(oversight))
    world.workflow.revoke("sfc.adams", deployment, reason="The threat has passed.")
    world.clock.advance(minutes=15)
    tracking = _tracking(oversight)
    assert re.search(r"/ 30\b", tracking) and not re.search(r"/ 45\b", tracking)


def test_the_algorithm_record_shows_a_new_backtest(world: World) -> None:
    """'none recorded', then the backtest recorded while the service runs."""
    client = world.client()
    assert "none recorded" in client.get("/algorithm").text
    record_backtest(
        world.database, map_document(winner_low=0.5), datetime(2026, 6, 5, tzinfo=UTC), "map:1d"
    )
    page = client.get("/algorithm").text
    assert 'data-testid="accuracy-1d"' in page
    assert "PAI 12.00" in page


def test_the_algorithm_record_and_a_map_click_show_fed_events(world: World) -> None:
    """Events fed while the service runs reach the record's events held and the place's
    recent events once the picture's refresh has run."""
    picture = world.app.state.services.picture
    picture.debounce_seconds = 0.05
    client = world.signed_in("analyst1")[0]
    lat, lon = IN_LAMBETH
    before = client.get("/api/v1/places", params={"lon": lon, "lat": lat})
    assert before.status_code == 200, before.text
    assert before.json()["recent_events"]["total"] == 0
    assert "feed" not in client.get("/algorithm").text  # no fed events held yet
    picture.refreshed.clear()
    fed = _feed_client(world).post("/api/v1/events", json={"events": _events(3)})
    assert fed.json()["stored"] == 3, fed.text
    assert picture.refreshed.wait(60)
    after = client.get("/api/v1/places", params={"lon": lon, "lat": lat}).json()
    assert after["recent_events"]["by_category"] == {"robbery": 3}
    assert "feed" in client.get("/algorithm").text


def _stated_time(client: TestClient) -> str:
    """The time the dashboard says its figures are for (``HH:MM``)."""
    lede = client.get("/oversight").text.split('class="lede"', 1)[1]
    return re.search(r"at \w{3} \d\d \w{3} \d{4} (\d\d:\d\d)", lede).group(1)  # type: ignore[union-attr]


def test_the_next_minute_is_built_in_the_background(world: World, oversight: TestClient) -> None:
    """A minute on with nothing changed, the last minute's page answers at once while the new
    minute's is built; it then replaces it. Further on, the request builds its own."""
    first = _stated_time(oversight)
    world.clock.advance(minutes=1)
    assert _stated_time(oversight) in {first, _minute_after(first)}
    deadline = time.monotonic() + 30
    while _stated_time(oversight) != _minute_after(first):
        assert time.monotonic() < deadline, "the next minute was never built"
        time.sleep(0.05)
    world.clock.advance(minutes=10)
    assert _stated_time(oversight) == _minute_after(first, 11)


def _minute_after(stated: str, minutes: int = 1) -> str:
    hour, minute = map(int, stated.split(":"))
    total = hour * 60 + minute + minutes
    return f"{total // 60 % 24:02d}:{total % 60:02d}"
