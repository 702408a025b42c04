"""A drawn area, whichever door it comes through (API, form, file): polygons only, finite
coordinates, bounded vertices and nesting, and repairs that cannot take minutes."""

from __future__ import annotations

import math
from typing import Any

import pytest
from scenario import seed_areas

from patrolgate.errors import InvalidInput
from patrolgate.store import Database
from patrolgate.workflow.areas import (
    MAX_CROSSING_VERTICES,
    MAX_VERTICES,
    parse_geojson,
    select_geojson,
)


@pytest.fixture
def areas(database: Database) -> Database:
    """Lambeth and Southwark, side by side."""
    seed_areas(database)
    return database


def _ring(n: int, *, windings: int = 1, spiky: bool = False) -> list[list[float]]:
    """``n`` vertices around Brixton; ``windings`` > 1 makes the ring cross itself."""
    ring = []
    for i in range(n):
        angle = 2 * math.pi * i / n * windings
        radius = (0.01 if i % 2 else 0.004) if spiky else 0.006
        ring.append([-0.115 + radius * math.cos(angle), 51.455 + radius * math.sin(angle)])
    return [*ring, ring[0]]


def _select(database: Database, document: Any) -> Any:
    with database.sessions() as session:
        return select_geojson(session, document)


def test_a_plain_polygon_feature_and_collection_are_selected(areas: Database) -> None:
    """The same square as a Polygon, a Feature and a FeatureCollection: one area."""
    polygon = {"type": "Polygon", "coordinates": [_ring(4)]}
    feature = {"type": "Feature", "properties": {"name": "x"}, "geometry": polygon}
    collection = {"type": "FeatureCollection", "features": [feature]}
    sizes = {_select(areas, d).area_km2 for d in (polygon, feature, collection)}
    assert len(sizes) == 1 and sizes.pop() > 0


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ({"type": "Polygon", "coordinates": [[[0.0, math.nan]] * 4]}, "finite"),
        ({"type": "Polygon", "coordinates": [[[math.inf, 51.0]] * 4]}, "finite"),
        ({"type": "Polygon", "coordinates": [[[-0.1, 91.0]] * 4]}, "longitude and latitude"),
        ({"type": "Polygon", "coordinates": [[["a", "b"]] * 4]}, "not a GeoJSON position"),
        ({"type": "Polygon", "coordinates": [[[1.0]] * 4]}, "not a GeoJSON position"),
        ({"type": "Polygon", "coordinates": [[[0.0, 0.0]] * 3]}, "at least four positions"),
        ({"type": "Polygon", "coordinates": []}, "list of rings"),
        ({"type": "Point", "coordinates": [0.0, 51.0]}, "must be a polygon, not a Point"),
        ({"type": "GeometryCollection", "geometries": []}, "must be a polygon"),
        ({"type": "Feature", "geometry": {"type": "FeatureCollection"}}, "must be a polygon"),
        ({"type": "Feature", "geometry": None}, "without a geometry"),
        ({"type": "FeatureCollection", "features": []}, "no features"),
        ({"type": "FeatureCollection", "features": [{"type": "Polygon"}]}, "must be a Feature"),
        ({"type": "MultiPolygon", "coordinates": 7}, "list of polygons"),
    ],
)
def test_what_is_not_a_polygon_of_longitudes_and_latitudes_is_refused(
    areas: Database, document: dict[str, Any], words: str
) -> None:
    """Each malformed document: InvalidInput naming what is wrong, never another error."""
    with pytest.raises(InvalidInput, match=words):
        _select(areas, document)


def test_vertices_and_polygons_are_bounded(areas: Database) -> None:
    """40,000 vertices, or 101 polygons: refused by count before any geometry is built."""
    with pytest.raises(InvalidInput, match=f"{MAX_VERTICES:,}"):
        _select(areas, {"type": "Polygon", "coordinates": [_ring(40_000)]})
    many = {"type": "MultiPolygon", "coordinates": [[_ring(4)]] * 101}
    with pytest.raises(InvalidInput, match="101 polygons"):
        _select(areas, many)
    assert _select(areas, {"type": "Polygon", "coordinates": [_ring(MAX_VERTICES - 1)]})


def test_deep_nesting_is_refused_whatever_parsed_it(areas: Database) -> None:
    """A document nested 5,000 deep (deeper than Python's recursion limit), as a file read
    with the plain parser would give it: refused, no RecursionError."""
    coordinates: list[Any] = []
    for _ in range(5_000):
        coordinates = [coordinates]
    with pytest.raises(InvalidInput, match="nests deeper"):
        _select(areas, {"type": "Polygon", "coordinates": coordinates})
    with pytest.raises(InvalidInput, match="nests deeper"):
        parse_geojson("[" * 100_000 + "]" * 100_000)


def test_a_small_crossing_polygon_is_repaired_a_large_one_refused(areas: Database) -> None:
    """A bow tie drawn by hand is repaired; a ring of 1,000 vertices winding 37 times (which
    GEOS's default repair takes minutes over) is refused with the reason."""
    bow_tie = [[-0.12, 51.45], [-0.11, 51.46], [-0.11, 51.45], [-0.12, 51.46], [-0.12, 51.45]]
    assert _select(areas, {"type": "Polygon", "coordinates": [bow_tie]}).area_km2 > 0
    small = _ring(MAX_CROSSING_VERTICES - 1, windings=37, spiky=True)
    assert _select(areas, {"type": "Polygon", "coordinates": [small]}).area_km2 > 0
    tangled = {"type": "Polygon", "coordinates": [_ring(1_000, windings=37, spiky=True)]}
    with pytest.raises(InvalidInput, match="crosses itself and has 1,001 vertices"):
        _select(areas, tangled)


def test_parse_geojson_refuses_nan_and_non_objects() -> None:
    """The text of a form field: NaN is refused, and so is anything but an object."""
    with pytest.raises(InvalidInput, match="not a JSON number"):
        parse_geojson('{"type": "Polygon", "coordinates": [[[NaN, 51.0]]]}')
    with pytest.raises(InvalidInput, match="not an object"):
        parse_geojson("[1, 2]")
    assert parse_geojson('{"type": "Polygon"}') == {"type": "Polygon"}
