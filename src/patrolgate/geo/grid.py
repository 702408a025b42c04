"""The square grid that forecasts and maps are made on: cells clipped to a study area."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from patrolgate.errors import InvalidInput
from patrolgate.geo.projection import Projection

#: The default cell side in metres (inside the NIJ challenge's 76–183 m range).
DEFAULT_CELL_SIZE = 150.0

# A cell whose clipped area is below this share of a full cell is a sliver of boundary noise.
_MIN_AREA_SHARE = 1e-6


@dataclass(frozen=True, eq=False)
class Grid:
    """Square cells of ``cell_size`` metres over a study area, in a projected CRS.

    The grid is a raster of ``nx`` columns by ``ny`` rows whose lower-left corner is
    ``(x0, y0)``. Only cells that intersect the study area are kept; they are numbered
    ``0 .. n_cells - 1`` in raster order (row by row from the south, west to east).
    ``area`` holds each kept cell's area clipped to the study area, in m², for coverage
    arithmetic. Build grids with :meth:`from_polygon`.
    """

    crs: str
    cell_size: float
    x0: float
    y0: float
    nx: int
    ny: int
    #: Raster position (``row * nx + col``) of each kept cell.
    raster_index: NDArray[np.int64]
    #: Clipped area of each kept cell in m².
    area: NDArray[np.float64]
    study_area: BaseGeometry = field(repr=False)
    #: Kept-cell number of every raster position, -1 where the cell was dropped.
    lookup: NDArray[np.int64] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        lookup = np.full(self.nx * self.ny, -1, dtype=np.int64)
        lookup[self.raster_index] = np.arange(len(self.raster_index), dtype=np.int64)
        object.__setattr__(self, "lookup", lookup)

    @classmethod
    def from_polygon(
        cls, study_area: BaseGeometry, *, crs: str, cell_size: float = DEFAULT_CELL_SIZE
    ) -> Grid:
        """Cover ``study_area`` (projected metres in ``crs``) with square cells.

        Cells are aligned to multiples of ``cell_size`` so that grids of the same size in
        the same CRS share their cells. Cells wholly inside the area keep their full
        area; only boundary cells are clipped, which keeps the build vectorised and fast.
        """
        if not cell_size > 0:
            raise InvalidInput(f"cell size must be positive, not {cell_size}")
        Projection(crs)  # refuses a CRS that is not projected in metres
        if study_area.is_empty or study_area.area <= 0:
            raise InvalidInput("the study area is empty")
        minx, miny, maxx, maxy = study_area.bounds
        x0 = np.floor(minx / cell_size) * cell_size
        y0 = np.floor(miny / cell_size) * cell_size
        nx = int(np.ceil((maxx - x0) / cell_size))
        ny = int(np.ceil((maxy - y0) / cell_size))
        if nx * ny > 50_000_000:
            raise InvalidInput(f"a {cell_size} m grid over this area would have {nx * ny} cells")
        rows, cols = np.divmod(np.arange(nx * ny, dtype=np.int64), nx)
        left = x0 + cols * cell_size
        bottom = y0 + rows * cell_size
        boxes = shapely.box(left, bottom, left + cell_size, bottom + cell_size)
        shapely.prepare(study_area)
        touching = shapely.intersects(study_area, boxes)
        inside = touching & shapely.contains_properly(study_area, boxes)
        area = np.where(inside, cell_size * cell_size, 0.0)
        edge = np.flatnonzero(touching & ~inside)
        if edge.size:
            area[edge] = shapely.area(shapely.intersection(boxes[edge], study_area))
        keep = area > _MIN_AREA_SHARE * cell_size * cell_size
        return cls(
            crs=crs,
            cell_size=float(cell_size),
            x0=float(x0),
            y0=float(y0),
            nx=nx,
            ny=ny,
            raster_index=np.flatnonzero(keep).astype(np.int64),
            area=area[keep].astype(np.float64),
            study_area=study_area,
        )

    @property
    def n_cells(self) -> int:
        """How many cells the grid keeps."""
        return len(self.raster_index)

    def __len__(self) -> int:
        return self.n_cells

    @property
    def total_area(self) -> float:
        """The study area covered by the cells, in m² (the sum of clipped cell areas)."""
        return float(self.area.sum())

    @property
    def shape(self) -> tuple[int, int]:
        """The raster's ``(ny, nx)``: rows by columns."""
        return (self.ny, self.nx)

    def raster_of(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.int64]:
        """Raster position of each point, -1 outside the grid's bounding box."""
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        with np.errstate(invalid="ignore"):
            col = np.floor((x - self.x0) / self.cell_size)
            row = np.floor((y - self.y0) / self.cell_size)
        ok = (col >= 0) & (col < self.nx) & (row >= 0) & (row < self.ny)
        result = np.full(x.shape, -1, dtype=np.int64)
        result[ok] = row[ok].astype(np.int64) * self.nx + col[ok].astype(np.int64)
        return result

    def cell_of(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.int64]:
        """The kept cell containing each point, or -1 (outside every kept cell, or NaN).

        A point on a shared edge belongs to the cell to its north and east. A point in the
        part of a boundary cell that lies outside the study area still belongs to that cell.
        """
        raster = self.raster_of(x, y)
        result = np.full(raster.shape, -1, dtype=np.int64)
        ok = raster >= 0
        result[ok] = self.lookup[raster[ok]]
        return result

    def to_raster(self, values: NDArray[np.float64], fill: float = 0.0) -> NDArray[np.float64]:
        """Per-cell values laid out as a ``(ny, nx)`` raster, ``fill`` in dropped cells."""
        raster = np.full(self.nx * self.ny, fill, dtype=np.float64)
        raster[self.raster_index] = values
        return raster.reshape(self.ny, self.nx)

    def from_raster(self, raster: NDArray[np.float64]) -> NDArray[np.float64]:
        """The kept cells' values from a ``(ny, nx)`` raster."""
        return np.asarray(raster, dtype=np.float64).reshape(-1)[self.raster_index]

    def centroids(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Centres of the (unclipped) square cells, projected metres."""
        rows, cols = np.divmod(self.raster_index, self.nx)
        half = self.cell_size / 2
        return self.x0 + cols * self.cell_size + half, self.y0 + rows * self.cell_size + half

    def polygons(
        self, cells: NDArray[np.int64] | None = None, *, clipped: bool = True
    ) -> NDArray[np.object_]:
        """Polygons of the cells (all, or ``cells``) in projected metres, clipped by default."""
        chosen = (
            self.raster_index
            if cells is None
            else self.raster_index[np.asarray(cells, dtype=np.int64)]
        )
        areas = self.area if cells is None else self.area[np.asarray(cells, dtype=np.int64)]
        rows, cols = np.divmod(chosen, self.nx)
        left = self.x0 + cols * self.cell_size
        bottom = self.y0 + rows * self.cell_size
        boxes = shapely.box(left, bottom, left + self.cell_size, bottom + self.cell_size)
        if clipped:
            partial = np.flatnonzero(areas < self.cell_size * self.cell_size * (1 - 1e-9))
            if partial.size:
                boxes[partial] = shapely.intersection(boxes[partial], self.study_area)
        return np.asarray(boxes, dtype=object)

    def polygons_wgs84(
        self, cells: NDArray[np.int64] | None = None, *, clipped: bool = True
    ) -> NDArray[np.object_]:
        """Cell polygons (all, or ``cells``) in WGS84 longitude and latitude, for maps."""
        projection = Projection(self.crs)
        return np.asarray(
            shapely.transform(
                self.polygons(cells, clipped=clipped),
                _inverse_of(projection),
                interleaved=False,
            ),
            dtype=object,
        )

    def geojson(
        self,
        cells: NDArray[np.int64] | None = None,
        properties: dict[str, NDArray[Any]] | None = None,
        *,
        digits: int = 6,
    ) -> dict[str, Any]:
        """A WGS84 GeoJSON FeatureCollection of cells (all, or ``cells``) with properties.

        Each feature carries ``cell`` (its number) and, for each entry of ``properties``,
        that array's value for the cell (arrays are indexed by cell number).
        """
        chosen = (
            np.arange(self.n_cells, dtype=np.int64)
            if cells is None
            else np.asarray(cells, dtype=np.int64)
        )
        geometries = shapely.set_precision(self.polygons_wgs84(chosen), 10.0**-digits)
        features = []
        for position, cell in enumerate(chosen):
            props: dict[str, Any] = {"cell": int(cell)}
            for name, values in (properties or {}).items():
                value = values[cell]
                props[name] = value.item() if isinstance(value, np.generic) else value
            features.append(
                {
                    "type": "Feature",
                    "properties": props,
                    "geometry": dict(mapping(geometries[position])),
                }
            )
        return {"type": "FeatureCollection", "features": features}


def _inverse_of(projection: Projection) -> Any:
    """A ``shapely.transform`` callback taking projected x, y to longitude, latitude."""

    def inverse(
        x: NDArray[np.float64], y: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        return projection.to_lonlat(x, y)

    return inverse
