"""The square grid: Chicago's districts at 150 m, clipped areas, point lookup and GeoJSON."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest
import shapely
from shapely.geometry import shape
from tests.conftest import SHIPPED_DATA

from patrolgate.errors import InvalidInput
from patrolgate.geo.grid import Grid
from patrolgate.geo.projection import Projection

CRS = "EPSG:32616"  # UTM 16N, Chicago's zone


@pytest.fixture(scope="module")
def districts() -> shapely.Geometry:
    """Chicago's police districts, unioned and projected."""
    path = SHIPPED_DATA / "chicago" / "chicago_police_districts_2018.geojson.gz"
    document = json.loads(gzip.decompress(path.read_bytes()))
    projection = Projection(CRS)
    parts = [
        shapely.make_valid(
            shapely.transform(shape(f["geometry"]), projection.to_xy, interleaved=False)
        )
        for f in document["features"]
    ]
    return shapely.union_all(np.array(parts, dtype=object))


@pytest.fixture(scope="module")
def grid(districts: shapely.Geometry) -> Grid:
    """The 150 m grid over the districts."""
    return Grid.from_polygon(districts, crs=CRS)


def test_chicago_at_150_m_keeps_the_cells_touching_the_districts(
    grid: Grid, districts: shapely.Geometry
) -> None:
    assert 26_000 < grid.n_cells < 29_000
    assert grid.cell_size == 150.0
    # Clipped areas add up to the study area, and no cell is larger than a full cell.
    assert grid.total_area == pytest.approx(districts.area, rel=1e-9)
    assert grid.area.max() == pytest.approx(150.0**2)
    assert (grid.area > 0).all()
    # Spot check: the clipped areas are the intersections.
    sample = np.flatnonzero(grid.area < 150.0**2)[:50]
    clipped = shapely.area(shapely.intersection(grid.polygons(sample, clipped=False), districts))
    np.testing.assert_allclose(grid.area[sample], clipped, rtol=1e-9)


def test_cell_of_finds_each_cells_centre_and_refuses_points_elsewhere(grid: Grid) -> None:
    x, y = grid.centroids()
    np.testing.assert_array_equal(grid.cell_of(x, y), np.arange(grid.n_cells))
    far = grid.cell_of(np.array([grid.x0 - 10, np.nan, 0.0]), np.array([grid.y0, 1.0, np.nan]))
    np.testing.assert_array_equal(far, [-1, -1, -1])
    # Lake Michigan lies inside the bounding box but outside every district.
    lake = Projection(CRS).to_xy(np.array([-87.55]), np.array([41.9]))
    assert grid.cell_of(*lake)[0] == -1


def test_points_on_an_edge_belong_to_the_cell_north_and_east(grid: Grid) -> None:
    x, y = grid.centroids()
    cell = grid.n_cells // 2
    corner_x, corner_y = x[cell] - 75.0, y[cell] - 75.0
    assert grid.cell_of(np.array([corner_x]), np.array([corner_y]))[0] == cell


def test_rasters_round_trip(grid: Grid) -> None:
    values = np.arange(grid.n_cells, dtype=float)
    raster = grid.to_raster(values, fill=-1.0)
    assert raster.shape == grid.shape
    np.testing.assert_array_equal(grid.from_raster(raster), values)


def test_geojson_is_wgs84_with_properties(grid: Grid) -> None:
    cells = np.array([0, 10, grid.n_cells - 1])
    collection = grid.geojson(cells, {"expected": np.linspace(0, 1, grid.n_cells)})
    assert collection["type"] == "FeatureCollection"
    assert [f["properties"]["cell"] for f in collection["features"]] == cells.tolist()
    last = collection["features"][-1]["properties"]["expected"]
    assert last == pytest.approx(1.0)
    lon, lat = np.array(collection["features"][1]["geometry"]["coordinates"][0]).T
    assert (lon > -88.0).all() and (lon < -87.5).all() and (lat > 41.6).all() and (lat < 42.1).all()
    json.dumps(collection)


def test_bad_grids_are_refused(districts: shapely.Geometry) -> None:
    with pytest.raises(InvalidInput):
        Grid.from_polygon(districts, crs=CRS, cell_size=0)
    with pytest.raises(InvalidInput):
        Grid.from_polygon(shapely.Polygon(), crs=CRS)
    with pytest.raises(ValueError, match="not a projected CRS"):
        Grid.from_polygon(districts, crs="EPSG:4326")
