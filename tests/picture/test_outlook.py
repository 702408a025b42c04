"""The forecast outlook: the area's standing among the city's cells and the sentences the
dossier shows, from a stored snapshot and its recorded accuracy (nothing fitted)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import numpy as np
import pytest
from shapely.geometry import box, mapping

from patrolgate.geo.grid import Grid
from patrolgate.geo.projection import Projection
from patrolgate.picture.outlook import area_standing, city_ranks, outlook, poisson_interval

LONDON = ZoneInfo("Europe/London")


def snapshot(**changes: object) -> dict[str, object]:
    """A stored snapshot as :meth:`Picture.snapshot` writes it, with a measured accuracy."""
    base: dict[str, object] = {
        "model": "kde",
        "start": "2021-01-12T11:00:00+00:00",
        "end": "2021-01-13T05:00:00+00:00",
        "cells": 120,
        "expected_events": 0.1149,
        "events_up_to": "2021-01-01T00:00:00+00:00",
        "share_of_city_above": 0.0183,
        "best_rank_inside": 212,
        "city_cells": 71_000,
        "accuracy": {
            "measured": True,
            "model": "kde",
            "window": "1d",
            "windows": 91,
            "events": 412.0,
            "coverage": 0.01,
            "hit_rate": 0.0712,
            "pai": 7.23,
            "pai_minus_baseline": {"estimate": 0.61, "low": 0.12, "high": 1.1},
            "settings": {"from": "2020-10-02T00:00:00+01:00", "to": "2021-01-01T00:00:00+00:00"},
        },
    }
    base.update(changes)
    return base


def test_poisson_interval_is_the_central_95_percent() -> None:
    """0.11 expected: 0 to 1 events; 10 expected: 4 to 17 (the textbook central interval)."""
    assert poisson_interval(0.1149) == (0, 1)
    assert poisson_interval(10.0) == (4, 17)
    assert poisson_interval(0.0) == (0, 0)


def test_the_outlook_says_where_the_area_stands_and_how_sure_in_numbers() -> None:
    """The standing with its interval, the recorded accuracy with its interval, the data's end."""
    told = outlook(snapshot(), LONDON)
    assert told is not None and told.measured
    assert told.standing.startswith("This area is in the top 2 % of the city's cells for ")
    assert "0.11 expected events (95 % interval 0–1 events" in told.standing
    assert "its highest cell ranks 212 of 71,000 in the city" in told.standing
    assert "(18 h)" in told.standing
    assert "caught 7% of next-day events in its top 1% of the city, PAI 7.2" in told.accuracy
    assert "95 % interval +0.1 to +1.1" in told.accuracy
    assert "over 91 held-out windows from 2020-10-02 to 2021-01-01" in told.accuracy
    assert told.data == "The data's last event ended Fri 01 Jan 2021 00:00 GMT."


def test_no_measured_accuracy_is_said_plainly() -> None:
    """Unmeasured, or no accuracy recorded at all: the sentence says so, nothing made up."""
    unmeasured = outlook(
        snapshot(accuracy={"measured": False, "reason": "no events in the backtest period"}),
        LONDON,
    )
    assert unmeasured is not None and not unmeasured.measured
    assert unmeasured.accuracy == "No measured accuracy: no events in the backtest period."
    old = outlook(snapshot(accuracy=None, share_of_city_above=None), LONDON)
    assert old is not None
    assert old.accuracy == "No measured accuracy was recorded with this forecast."
    assert "does not place the area among the city's cells" in old.standing
    assert outlook(None, LONDON) is None


def test_area_standing_ranks_cells_and_keeps_those_around_the_area() -> None:
    """Ranks are city-wide; the kept cells are the area's and its nearest neighbours'."""
    grid = Grid.from_polygon(
        box(530_000, 175_000, 533_000, 178_000), crs="EPSG:27700", cell_size=150
    )
    projection = Projection("EPSG:27700")
    rng = np.random.default_rng(7)
    expected = rng.gamma(1.0, 0.01, grid.n_cells)
    x, y = grid.centroids()
    inside = np.flatnonzero((x > 531_000) & (x < 531_600) & (y > 176_000) & (y < 176_600))
    lon, lat = projection.to_lonlat(
        np.array([531_000.0, 531_600.0]), np.array([176_000.0, 176_600.0])
    )
    geometry = mapping(box(lon[0], lat[0], lon[1], lat[1]))
    standing = area_standing(expected, inside, grid, projection, geometry)
    ranks = city_ranks(expected)
    assert ranks[np.argmax(expected)] == 1 and sorted(ranks.tolist()) == list(
        range(1, grid.n_cells + 1)
    )
    share = float((expected > expected[inside].mean()).mean())
    assert standing["share_of_city_above"] == pytest.approx(share, abs=1e-4)
    assert standing["best_rank_inside"] == int(ranks[inside].min())
    features = standing["cells_around"]["features"]
    flagged = {f["properties"]["cell"] for f in features if f["properties"]["inside"]}
    assert flagged == set(inside.tolist())
    outside = [f for f in features if not f["properties"]["inside"]]
    assert 0 < len(outside) <= 60
    assert all(f["properties"]["rank"] == ranks[f["properties"]["cell"]] for f in features)
