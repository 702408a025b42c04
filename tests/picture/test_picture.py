"""The intelligence picture: the data's end, honest refusals, recorded accuracy behind a gate."""

from __future__ import annotations

import copy
import gzip
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.picture.conftest import CELL_SIZE, DEMO_DAY

from patrolgate.audit.chain import StoredEntry
from patrolgate.demo.build import ROBBERY_WEAPONS
from patrolgate.events.generic_csv import parse_generic_csv
from patrolgate.ingest import AreaAssigner, store_parsed_file
from patrolgate.oversight import algorithm_record
from patrolgate.oversight.algorithm import record_backtest
from patrolgate.oversight.rarity import notifications as oversight_notifications
from patrolgate.picture import MapWindow, Picture
from patrolgate.picture.accuracy import notify_if_fallen_back
from patrolgate.settings import Settings
from patrolgate.store import Database
from patrolgate.store.audit_repository import load_entries


def _settings(tmp_path: Path, cell_size: float = CELL_SIZE) -> Settings:
    return Settings(home=tmp_path, cell_size=cell_size)


def _picture(database: Database, settings: Settings, now: datetime = DEMO_DAY) -> Picture:
    clock = [now]
    picture = Picture(database, settings, lambda: clock[0], debounce_seconds=0.05)
    picture.clock_box = clock  # type: ignore[attr-defined]
    return picture


def test_the_picture_knows_where_its_data_end(database: Database, tmp_path: Path) -> None:
    """Month-granular points known to the end of January 2021, said in words."""
    picture = _picture(database, _settings(tmp_path))
    assert picture.events_up_to() == datetime(2021, 2, 1, tzinfo=UTC)
    assert picture.events_up_to_text() == "events up to the end of Sun 31 Jan 2021"


def test_a_window_far_beyond_the_data_is_refused_and_said(
    database: Database, tmp_path: Path
) -> None:
    """On today's clock the map shows no forecast and says why, not a guess from 2021."""
    picture = _picture(database, _settings(tmp_path), datetime(2026, 6, 5, 12, tzinfo=UTC))
    for window in MapWindow:
        collection = picture.forecast_geojson(window)
        assert collection["features"] == []
        properties = collection["properties"]
        assert properties["status"] == "refused"
        assert "events up to the end of Sun 31 Jan 2021" in properties["message"]
        assert properties["events_up_to"] == "2021-02-01T00:00:00+00:00"
    assert picture.snapshot({}, (), DEMO_DAY, DEMO_DAY + timedelta(hours=8)) is None


def test_windows_are_local_shifts_days_weeks_and_months(database: Database, tmp_path: Path) -> None:
    """The picture's windows come from timekeeping: a day across the spring change is 23 h."""
    picture = _picture(database, _settings(tmp_path))
    at = datetime(2021, 3, 28, 12, tzinfo=UTC)
    start, end = picture.window_of(MapWindow.DAY, at)
    assert (start, end - start) == (datetime(2021, 3, 28, tzinfo=UTC), timedelta(hours=23))
    start, end = picture.window_of(MapWindow.SHIFT, datetime(2021, 3, 28, 3, tzinfo=UTC))
    assert (start, end) == (
        datetime(2021, 3, 27, 23, tzinfo=UTC),
        datetime(2021, 3, 28, 6, tzinfo=UTC),
    )  # 23:00 GMT to 07:00 BST: seven hours
    start, _ = picture.window_of(MapWindow.WEEK, DEMO_DAY)
    assert start == datetime(2021, 2, 1, tzinfo=UTC)  # a Monday


def test_a_fresh_service_schedules_the_backtests(database: Database, tmp_path: Path) -> None:
    """Nothing recorded yet: a background refresh is scheduled, nothing runs on the caller."""
    waiting = Picture(database, _settings(tmp_path), lambda: DEMO_DAY, debounce_seconds=3600)
    assert waiting.accuracy(MapWindow.DAY)["measured"] is False
    assert waiting.ensure_recorded()
    assert waiting._timer is not None
    waiting._timer.cancel()


def test_refresh_records_every_window_and_the_record_shows_the_same(
    recorded: Database, tmp_path: Path
) -> None:
    """Every window measured, on the map's settings; the API's view equals the ATRS record's."""
    database = recorded
    settings = _settings(tmp_path)
    picture = _picture(database, settings)
    ids = picture.refresh()  # the same data: nothing is run again
    assert set(ids) == set(MapWindow)
    assert not picture.ensure_recorded()
    record = algorithm_record(database, settings)["tier_2"]["accuracy"]["windows"]
    for window in MapWindow:
        accuracy = picture.accuracy(window)
        assert accuracy["measured"] is True, window
        assert accuracy["settings"]["cell_size"] == 500.0
        assert accuracy["settings"]["coverage"] == 0.01
        assert accuracy["settings"]["to"].startswith("2021-02-01")
        assert accuracy["settings"] == record[window.value]["settings"]
        assert accuracy["model"] == record[window.value]["model"]
        collection = picture.forecast_geojson(window)
        properties = collection["properties"]
        assert properties["status"] == "forecast" and collection["features"]
        assert properties["model"] == accuracy["model"]
        places = properties["places"]
        assert len(places) == 10 and places[0]["rank"] == 1
        assert [p["expected"] for p in places] == sorted(
            (p["expected"] for p in places), reverse=True
        )
        assert places[0]["name"] and places[0]["borough"]


def _day_record(picture: Picture) -> dict[str, Any]:
    picture.refresh()
    found = picture.record_of(MapWindow.DAY)
    assert found is not None
    return found


def _with_winner(document: dict[str, Any], low: float, winner: str = "sepp") -> dict[str, Any]:
    """The recorded day backtest made to say that ``winner`` won with an interval from
    ``low``."""
    changed = copy.deepcopy(document)
    for key in ("id", "recorded_at", "sha256", "purpose"):
        changed.pop(key, None)
    changed["comparison"] = {
        **changed["comparison"],
        "winner": winner,
        "margin": {"estimate": low + 0.5, "low": low, "high": low + 1.0, "level": 0.95},
        "beats_baseline": low > 0,
    }
    return changed


def test_the_map_says_which_kinds_of_place_its_model_read(
    recorded: Database, tmp_path: Path
) -> None:
    """The place-type rhythm on data.police.uk events, which record no kind of place: the
    map says so rather than implying schools and parks were read."""
    settings = _settings(tmp_path)
    picture = _picture(recorded, settings)
    day = _with_winner(_day_record(picture), 0.3, winner="rhythm")
    day["settings"]["models"]["rhythm"] = {"timezone": settings.timezone}
    record_backtest(recorded, day, DEMO_DAY, "map:1d")
    properties = picture.forecast_geojson(MapWindow.DAY)["properties"]
    assert properties["model"] == "rhythm" and properties["status"] == "forecast"
    assert properties["model_summary"].startswith("where violence happened at each kind")
    assert properties["place_types"] == []


def test_the_baseline_gate_both_ways(recorded: Database, tmp_path: Path) -> None:
    """The winner runs the map while its gain's interval is above zero; else counts, said."""
    database = recorded
    settings = _settings(tmp_path)
    picture = _picture(database, settings)
    day = _day_record(picture)
    record_backtest(database, _with_winner(day, 0.3), DEMO_DAY, "map:1d")
    assert picture.model_for(MapWindow.DAY)[0] == "sepp"
    properties = picture.forecast_geojson(MapWindow.DAY)["properties"]
    assert properties["model"] == "sepp" and properties["gate"] is None
    assert properties["model_summary"].startswith("a lasting background of violence")
    record_backtest(database, _with_winner(day, -0.1), DEMO_DAY + timedelta(seconds=1), "map:1d")
    picture.refresh()  # the service drops its fitted forecasts after a refresh
    assert picture.model_for(MapWindow.DAY)[0] == "naive"
    properties = picture.forecast_geojson(MapWindow.DAY)["properties"]
    assert properties["model"] == "naive"
    assert properties["model_summary"].startswith("counts of the events in each cell")
    assert properties["place_types"] is None  # counts read no kinds of place
    assert properties["gate"] == "The model no longer beats the baseline; showing counts."


def test_oversight_is_notified_when_the_model_stops_beating_counts(
    recorded: Database, tmp_path: Path
) -> None:
    """One oversight.notified entry on the fall back; none while passing or already fallen."""
    database = recorded
    picture = _picture(database, _settings(tmp_path))
    day = _day_record(picture)
    passing, failing = _with_winner(day, 0.3), _with_winner(day, -0.1)

    def notifications() -> list[StoredEntry]:
        with database.sessions() as session:
            return [e for e in load_entries(session) if e.header.action == "oversight.notified"]

    before = len(notifications())
    notify_if_fallen_back(database, MapWindow.DAY, passing, passing, DEMO_DAY)
    assert len(notifications()) == before
    notify_if_fallen_back(database, MapWindow.DAY, passing, failing, DEMO_DAY)
    entries = notifications()
    assert len(entries) == before + 1
    assert entries[-1].header.subject == "forecast:1d"
    assert "no longer beats the baseline" in (entries[-1].header.reason or "")
    notify_if_fallen_back(database, MapWindow.DAY, failing, failing, DEMO_DAY)
    assert len(notifications()) == before + 1
    # The oversight dashboard names where it came from.
    listed = [n for n in oversight_notifications(database) if n["seq"] == entries[-1].seq]
    assert [n["source"] for n in listed] == ["forecast baseline gate"]


def test_events_changed_refreshes_in_the_background(recorded: Database, tmp_path: Path) -> None:
    """New events move the data's end and the recorded backtests, off the caller's thread."""
    database = recorded
    settings = _settings(tmp_path)
    picture = _picture(database, settings)
    first = picture.accuracy(MapWindow.MONTH)["record_id"]
    picture.forecast_serialised(MapWindow.MONTH)  # the map serves the month window
    source = tmp_path / "2021-02.csv.gz"
    with gzip.open(source, "wt") as handle:
        handle.write("month,crime_type,longitude,latitude\n")
        handle.write("2021-02,Robbery,-0.1276,51.5072\n")
    store_parsed_file(database, parse_generic_csv(source, ROBBERY_WEAPONS), AreaAssigner(database))
    picture.events_changed()
    picture.events_changed()  # debounced: one refresh
    assert picture.refreshed.wait(480)  # four backtests; minutes on a busy machine
    assert picture.events_up_to() == datetime(2021, 3, 1, tzinfo=UTC)
    assert picture.accuracy(MapWindow.MONTH)["record_id"] != first
    # The window the map served was refitted in the background, not left to a request.
    assert [window for window, _ in picture._serialised] == [MapWindow.MONTH]


def test_a_place_is_answered_from_memory(database: Database, tmp_path: Path) -> None:
    """Ward and borough names, the year's events to the data's end, the day's forecast."""
    picture = _picture(database, _settings(tmp_path))
    place = picture.place(-0.1276, 51.5072)  # Trafalgar Square
    assert place["borough"]["name"] == "Westminster"
    assert place["ward"]["name"] == "St. James's"
    assert place["recent_events"]["total"] > 100
    assert place["recent_events"]["to"].startswith("2021-02-01")
    assert place["forecast"]["cell_expected"] is not None
    assert picture.place(1.5, 51.5)["ward"] is None  # at sea
