"""The demo runs at its data's own date: the day after the last event, said on every page."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from patrolgate.api.services import Services
from patrolgate.demo.clock import clock_banner, demo_moment, with_demo_clock
from patrolgate.picture import MapWindow
from patrolgate.settings import Mode, Settings
from patrolgate.store import Database


def test_the_demo_clock_is_the_early_shift_after_the_last_event(
    database: Database, tmp_path: Path
) -> None:
    """The points end with January 2021: the clock stops at 07:00 on 1 February."""
    settings = Settings(home=tmp_path, mode=Mode.DEMO)
    assert demo_moment(database, settings) == datetime(2021, 2, 1, 7, tzinfo=UTC)
    fixed = with_demo_clock(settings, database)
    assert fixed.clock_now() == datetime(2021, 2, 1, 7, tzinfo=UTC)
    banner = clock_banner(fixed, database)
    assert banner is not None
    assert banner.startswith("Demo: the clock is fixed at Mon 01 Feb 2021 07:00 GMT")
    assert "events up to the end of 31 January 2021" in banner


def test_only_demo_mode_without_a_clock_of_its_own_is_fixed(
    database: Database, tmp_path: Path
) -> None:
    """Development keeps the system clock; a PATROLGATE_NOW set by hand wins."""
    development = Settings(home=tmp_path)
    assert with_demo_clock(development, database) is development
    assert clock_banner(development, database) is None
    chosen = Settings(home=tmp_path, mode=Mode.DEMO, now=datetime(2020, 6, 1, 12, tzinfo=UTC))
    assert with_demo_clock(chosen, database).clock_now() == datetime(2020, 6, 1, 12, tzinfo=UTC)


def test_the_service_in_demo_mode_runs_at_the_demo_date(database: Database, tmp_path: Path) -> None:
    """Workflow, picture and pages share the fixed clock; the banner says so."""
    services = Services.build(Settings(home=tmp_path, mode=Mode.DEMO), database)
    assert services.clock() == datetime(2021, 2, 1, 7, tzinfo=UTC)
    assert services.workflow.now() == services.clock()
    assert services.picture.window_of(MapWindow.DAY)[0] == datetime(2021, 2, 1, tzinfo=UTC)
    assert services.clock_banner is not None and "day after the last event" in (
        services.clock_banner
    )
