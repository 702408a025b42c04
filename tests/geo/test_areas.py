"""Areas: reading boundaries, projecting them, and assigning points with an STRtree."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest
from tests.conftest import SHIPPED_DATA

from patrolgate.errors import InvalidInput
from patrolgate.geo.areas import AreaIndex, AreaLevel, areas_from_geojson
from patrolgate.geo.projection import BRITISH_NATIONAL_GRID, Projection, choose_crs

BOROUGHS = SHIPPED_DATA / "london-boundaries" / "london_boroughs.geojson.gz"


@pytest.fixture(scope="module")
def boroughs() -> AreaIndex:
    """The 33 London boroughs in British National Grid."""
    areas = areas_from_geojson(
        BOROUGHS, level=AreaLevel.BOROUGH, code_field="gss_code", name_field="name"
    )
    return AreaIndex(areas, Projection(BRITISH_NATIONAL_GRID))


def test_london_boroughs_cover_greater_london(boroughs: AreaIndex) -> None:
    """33 boroughs of about 1,595 km² in all (the ONS extent of Greater London, water included)."""
    assert len(boroughs.areas) == 33
    assert boroughs.union().area / 1e6 == pytest.approx(1595, rel=0.01)


def test_points_are_assigned_to_their_borough(boroughs: AreaIndex) -> None:
    """Parliament Square is in Westminster, the Tower in Tower Hamlets, Paris in none."""
    projection = boroughs.projection
    lon = np.array([-0.1276, -0.0759, 2.3522, np.nan])
    lat = np.array([51.5005, 51.5081, 48.8566, np.nan])
    x, y = projection.to_xy(lon, lat)
    names = {a.code: a.name for a in boroughs.areas}
    codes = boroughs.assign(x, y)
    assert [names.get(c) for c in codes] == ["Westminster", "Tower Hamlets", None, None]
    # Looked up again (now from memory), the answer is the same.
    assert boroughs.assign(x, y).tolist() == codes.tolist()


def test_projection_is_chosen_by_place() -> None:
    """British National Grid for London, UTM zone 16N for Chicago."""
    assert choose_crs(np.array([-0.1]), np.array([51.5])) == BRITISH_NATIONAL_GRID
    assert choose_crs(np.array([-87.6]), np.array([41.8])) == "EPSG:32616"
    with pytest.raises(ValueError, match="not a projected CRS"):
        Projection("EPSG:4326")


def test_bad_boundary_files_name_the_feature_and_field(tmp_path: Path) -> None:
    """A missing code or a point geometry is reported with the feature number."""
    document = json.loads(gzip.decompress(BOROUGHS.read_bytes()))
    document["features"] = document["features"][:3]
    del document["features"][1]["properties"]["gss_code"]
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(InvalidInput, match="feature 2: gss_code: missing"):
        areas_from_geojson(path, level=AreaLevel.BOROUGH, code_field="gss_code", name_field="name")
    path.write_text('{"type": "Feature"}', encoding="utf-8")
    with pytest.raises(InvalidInput, match="not a GeoJSON FeatureCollection"):
        areas_from_geojson(path, level=AreaLevel.BOROUGH, code_field="gss_code", name_field="name")


def test_points_just_outside_take_the_nearest_area_within_the_tolerance(
    boroughs: AreaIndex,
) -> None:
    """A point 100 m west of London's westmost point is placed; one 1 km west is not."""
    outline = np.asarray(boroughs.union().convex_hull.exterior.coords)
    west = outline[np.argmin(outline[:, 0])]
    codes = boroughs.assign(np.array([west[0] - 100.0, west[0] - 1000.0]), np.array([west[1]] * 2))
    assert codes[0] is not None and codes[1] is None
