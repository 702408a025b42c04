"""Areas (boroughs, wards, LSOAs, districts) and fast assignment of points to them."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from patrolgate.errors import InvalidInput
from patrolgate.geo.projection import Projection


class AreaLevel(StrEnum):
    """The kinds of area PatrolGate knows."""

    BOROUGH = "borough"
    WARD = "ward"
    LSOA = "lsoa"
    DISTRICT = "district"


@dataclass(frozen=True)
class Area:
    """One named area with its WGS84 boundary."""

    code: str
    level: AreaLevel
    name: str
    boundary: BaseGeometry
    parent_code: str | None = None

    def geojson_geometry(self) -> dict[str, Any]:
        """The boundary as a GeoJSON geometry mapping."""
        return dict(mapping(self.boundary))


def read_geojson(path: Path) -> dict[str, Any]:
    """Read a GeoJSON FeatureCollection, plain or gzipped, with a clear error when it is not one."""
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        document = json.loads(raw.decode("utf-8"))
    except FileNotFoundError as error:
        raise InvalidInput(f"{path}: no such file") from error
    except (UnicodeDecodeError, json.JSONDecodeError, gzip.BadGzipFile, EOFError) as error:
        raise InvalidInput(f"{path}: not a GeoJSON file ({error})") from error
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise InvalidInput(f"{path}: not a GeoJSON FeatureCollection")
    return document


def areas_from_geojson(
    path: Path,
    *,
    level: AreaLevel,
    code_field: str,
    name_field: str,
    parent_field: str | None = None,
) -> list[Area]:
    """Build areas from a FeatureCollection, naming the feature and field of any problem."""
    document = read_geojson(path)
    areas: dict[str, Area] = {}
    for number, feature in enumerate(document.get("features") or [], start=1):
        properties = feature.get("properties") or {}
        for required in (code_field, name_field):
            if properties.get(required) in (None, ""):
                raise InvalidInput(f"{path}: feature {number}: {required}: missing")
        code = str(properties[code_field]).strip()
        try:
            boundary = shape(feature["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise InvalidInput(f"{path}: feature {number}: geometry: {error}") from error
        if boundary.geom_type not in ("Polygon", "MultiPolygon"):
            raise InvalidInput(
                f"{path}: feature {number}: geometry: {boundary.geom_type} is not a polygon"
            )
        if not boundary.is_valid:
            # "structure" repairs in bounded time; GEOS's default "linework" took 95 s on a
            # 200-vertex self-crossing ring (measured on drawn areas).
            boundary = shapely.make_valid(boundary, method="structure", keep_collapsed=False)
        parent = properties.get(parent_field) if parent_field else None
        if code in areas:
            # Features sharing a code are one area published in several parts.
            boundary = shapely.union(areas[code].boundary, boundary)
        areas[code] = Area(
            code=code,
            level=level,
            name=str(properties[name_field]).strip(),
            boundary=boundary,
            parent_code=str(parent).strip() if parent not in (None, "") else None,
        )
    if not areas:
        raise InvalidInput(f"{path}: the FeatureCollection has no features")
    return list(areas.values())


class AreaIndex:
    """Areas of one level in a projected CRS, with an STRtree for vectorised point lookup."""

    #: Simplified boundaries leave slivers between neighbours; a point in such a gap
    #: (or just off the coast of the study area) takes the nearest area within this many metres.
    gap_tolerance: float = 150.0

    def __init__(self, areas: Sequence[Area], projection: Projection) -> None:
        self.areas = list(areas)
        self.projection = projection
        self.codes: NDArray[np.str_] = np.array([a.code for a in self.areas], dtype=object)
        # One projection call for every vertex of every area (not one per area).
        boundaries = np.empty(len(self.areas), dtype=object)
        boundaries[:] = [a.boundary for a in self.areas]
        self.geometries = shapely.transform(boundaries, self._project, interleaved=False)
        shapely.prepare(self.geometries)
        self.tree = shapely.STRtree(self.geometries)
        self._memo: dict[complex, str | None] = {}

    def _project(
        self, lon: NDArray[np.float64], lat: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        return self.projection.to_xy(lon, lat)

    def assign(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.object_]:
        """The code of the area containing each point (``None`` outside every area).

        Points on a shared edge take the first area found; points in a gap between
        simplified boundaries take the nearest area within ``gap_tolerance``. Each distinct
        point is looked up once and remembered, since police data snaps many records onto
        the same anonymised points, file after file.
        """
        result = np.full(len(x), None, dtype=object)
        finite = np.isfinite(x) & np.isfinite(y)
        if not finite.any():
            return result
        keys = x[finite] + 1j * y[finite]
        unique, inverse = np.unique(keys, return_inverse=True)
        found = np.array([self._memo.get(k) for k in unique.tolist()], dtype=object)
        unknown = np.flatnonzero(np.array([k not in self._memo for k in unique.tolist()]))
        if unknown.size:
            codes = self.lookup(unique.real[unknown], unique.imag[unknown])
            found[unknown] = codes
            self._memo.update(zip(unique[unknown].tolist(), codes.tolist(), strict=True))
        result[np.flatnonzero(finite)] = found[inverse.ravel()]
        return result

    def lookup(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.object_]:
        """Like :meth:`assign` for finite points, without remembering them."""
        points = shapely.points(x, y)
        point_index, area_index = self.tree.query(points, predicate="within")
        codes = np.full(len(x), None, dtype=object)
        # Reverse order so that, for a point on a shared edge, the first area wins.
        codes[point_index[::-1]] = self.codes[area_index[::-1]]
        outside = np.flatnonzero(codes == None)  # noqa: E711 - elementwise test
        if outside.size and self.gap_tolerance > 0:
            near_point, near_area = self.tree.query_nearest(
                points[outside], max_distance=self.gap_tolerance, all_matches=False
            )
            codes[outside[near_point]] = self.codes[near_area]
        return codes

    def union(self, codes: Iterable[str] | None = None) -> BaseGeometry:
        """The union of the named areas (all of them by default), projected."""
        if codes is None:
            return shapely.union_all(self.geometries)
        wanted = set(codes)
        chosen = [g for c, g in zip(self.codes, self.geometries, strict=True) if c in wanted]
        missing = wanted - set(self.codes)
        if missing:
            raise InvalidInput(f"unknown area code(s): {', '.join(sorted(missing))}")
        return shapely.union_all(chosen)

    def by_name(self) -> dict[str, str]:
        """Map of normalised area name to code."""
        return {normalise_name(a.name): a.code for a in self.areas}


def normalise_name(name: str) -> str:
    """Compare area names without case, spacing or '&'/'and' differences."""
    words = name.replace("&", " and ").lower().split()
    return " ".join(words)
