"""Where a deployment is: stored area codes, or a GeoJSON polygon clipped to the study area.

A drawn area comes from outside (the API, the web form, a file), so it is checked before any
geometry is built from it: polygons only, every coordinate a finite longitude and latitude,
at most :data:`MAX_VERTICES` vertices in :data:`MAX_POLYGONS` polygons, and no deeper or
larger a document than :data:`GEOJSON_LIMITS` allows; the work on it is then bounded too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from patrolgate.bounded_json import JsonLimits, check_structure, loads
from patrolgate.errors import InvalidInput
from patrolgate.geo.projection import Projection
from patrolgate.store.tables import AreaRow

#: A polygon's share outside the study area that is dropped without comment (rounding).
_SLIVER_M2 = 1.0

#: The most vertices a drawn area may have in all: a borough boundary traced from a map
#: needs a few thousand, a polygon drawn by hand a few dozen.
MAX_VERTICES = 10_000
#: The most polygons (in features and multipolygons) a drawn area may have.
MAX_POLYGONS = 100
#: The most vertices of a polygon that crosses itself and is repaired rather than refused.
#: Repair costs grow with the crossings: 200 vertices winding 97 times took 95 s with
#: GEOS's default repair and 0.6 s with the "structure" one used here; 100 at most 0.13 s.
MAX_CROSSING_VERTICES = 100
#: The shape of a GeoJSON document: a FeatureCollection of MultiPolygons nests 8 deep, and
#: properties are carried, not read, so a little room is left for them.
GEOJSON_LIMITS = JsonLimits(max_depth=12, max_items=MAX_VERTICES, max_values=100_000)


@dataclass(frozen=True)
class AreaSelection:
    """The area of a deployment: codes (if given), affected boroughs, WGS84 GeoJSON, km²."""

    area_codes: tuple[str, ...]
    borough_codes: tuple[str, ...]
    geometry: dict[str, Any]
    area_km2: float


def _borough_of(row: AreaRow, rows: dict[str, AreaRow], session: Session) -> str | None:
    current: AreaRow | None = row
    for _ in range(6):  # lsoa → ward → borough at most; guard against loops in bad data
        if current is None:
            return None
        if current.level == "borough":
            return current.code
        if current.parent_code is None:
            return None
        parent = rows.get(current.parent_code) or session.get(AreaRow, current.parent_code)
        if parent is None:
            return None
        rows[parent.code] = parent
        current = parent
    return None


def _projected_area_km2(geometry: BaseGeometry, crs: str) -> float:
    projection = Projection(crs)
    projected = shapely.transform(geometry, lambda xy: _to_xy(projection, xy))
    return float(projected.area) / 1e6


def _to_xy(projection: Projection, xy: Any) -> Any:
    import numpy as np

    x, y = projection.to_xy(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def select_codes(session: Session, codes: Sequence[str]) -> AreaSelection:
    """The union of stored areas named by code."""
    wanted = sorted({c.strip() for c in codes if c.strip()})
    if not wanted:
        raise InvalidInput("give at least one area code (--area CODE[,CODE...])")
    found = {r.code: r for r in session.scalars(select(AreaRow).where(AreaRow.code.in_(wanted)))}
    missing = [c for c in wanted if c not in found]
    if missing:
        raise InvalidInput(
            f"unknown area code(s): {', '.join(missing)}; see `patrolgate areas list`"
        )
    rows = dict(found)
    boroughs = {b for r in found.values() if (b := _borough_of(r, rows, session)) is not None}
    union = shapely.union_all([shape(r.geometry) for r in found.values()])
    crs = next(iter(found.values())).crs
    return AreaSelection(
        area_codes=tuple(wanted),
        borough_codes=tuple(sorted(boroughs)),
        geometry=dict(mapping(union)),
        area_km2=round(_projected_area_km2(union, crs), 4),
    )


def parse_geojson(text: str | bytes) -> dict[str, Any]:
    """A GeoJSON document from text (a form field, a file), within :data:`GEOJSON_LIMITS`."""
    document = loads(text, GEOJSON_LIMITS, "the GeoJSON")
    if not isinstance(document, dict):
        raise InvalidInput("the GeoJSON is not an object (a Polygon, Feature or collection)")
    return document


def _geometries(document: dict[str, Any]) -> list[Any]:
    """The geometry objects of a Polygon, MultiPolygon, Feature or FeatureCollection."""
    kind = document.get("type")
    if kind == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list) or not features:
            raise InvalidInput("the GeoJSON FeatureCollection has no features")
        if not all(isinstance(f, dict) and f.get("type") == "Feature" for f in features):
            raise InvalidInput("every feature of the GeoJSON FeatureCollection must be a Feature")
        return [f.get("geometry") for f in features]
    if kind == "Feature":
        return [document.get("geometry")]
    return [document]


def _position(value: Any) -> tuple[float, float]:
    if (
        not isinstance(value, list | tuple)
        or not 2 <= len(value) <= 3
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        raise InvalidInput(
            f"not a GeoJSON position: {str(value)[:60]} (give [longitude, latitude])"
        )
    lon, lat = float(value[0]), float(value[1])
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise InvalidInput("every GeoJSON coordinate must be a finite number")
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise InvalidInput(
            f"the GeoJSON position [{lon:g}, {lat:g}] is not a longitude and latitude (WGS84)"
        )
    return lon, lat


def _rings(value: Any) -> list[list[tuple[float, float]]]:
    """A Polygon's coordinates: rings of positions, each ring closed or closable."""
    if not isinstance(value, list) or not value:
        raise InvalidInput("a GeoJSON polygon needs a list of rings, the outer ring first")
    rings = []
    for ring in value:
        if not isinstance(ring, list) or len(ring) < 4:
            raise InvalidInput("each ring of a GeoJSON polygon needs at least four positions")
        rings.append([_position(p) for p in ring])
    return rings


def _polygons(geometry: Any) -> list[list[list[tuple[float, float]]]]:
    if not isinstance(geometry, dict):
        raise InvalidInput("the GeoJSON has a feature without a geometry")
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    if kind == "Polygon":
        return [_rings(coordinates)]
    if kind == "MultiPolygon":
        if not isinstance(coordinates, list) or not coordinates:
            raise InvalidInput("a GeoJSON MultiPolygon needs a list of polygons")
        return [_rings(polygon) for polygon in coordinates]
    raise InvalidInput(f"the GeoJSON must be a polygon, not a {str(kind)[:40]}")


def _geometry_of(document: dict[str, Any]) -> BaseGeometry:
    if not isinstance(document, dict):
        raise InvalidInput("the GeoJSON is not an object (a Polygon, Feature or collection)")
    check_structure(document, GEOJSON_LIMITS, "the GeoJSON")
    polygons = [p for g in _geometries(document) for p in _polygons(g)]
    if len(polygons) > MAX_POLYGONS:
        raise InvalidInput(f"the GeoJSON has {len(polygons):,} polygons (at most {MAX_POLYGONS})")
    vertices = sum(len(ring) for polygon in polygons for ring in polygon)
    if vertices > MAX_VERTICES:
        raise InvalidInput(
            f"the GeoJSON has {vertices:,} vertices (at most {MAX_VERTICES:,}); simplify it"
        )
    try:
        parts = [_repaired(Polygon(polygon[0], polygon[1:])) for polygon in polygons]
        return parts[0] if len(parts) == 1 else shapely.union_all(parts)
    except (ValueError, shapely.errors.ShapelyError) as err:
        raise InvalidInput(f"not a GeoJSON polygon ({err})") from err


def _repaired(polygon: Polygon) -> BaseGeometry:
    """``polygon`` if valid; else repaired, when small enough to repair in bounded time."""
    if polygon.is_valid:
        return polygon
    vertices = len(shapely.get_coordinates(polygon))
    if vertices > MAX_CROSSING_VERTICES:
        raise InvalidInput(
            f"the GeoJSON polygon crosses itself and has {vertices:,} vertices: send it "
            f"without crossings (only polygons of up to {MAX_CROSSING_VERTICES} vertices "
            "are repaired)"
        )
    return shapely.make_valid(polygon, method="structure")


def select_geojson(session: Session, document: dict[str, Any]) -> AreaSelection:
    """A drawn polygon clipped to the study area (the union of the stored boroughs)."""
    drawn = _geometry_of(document)
    if drawn.geom_type not in ("Polygon", "MultiPolygon") or drawn.is_empty:
        raise InvalidInput(f"the GeoJSON must be a polygon, not a {drawn.geom_type}")
    boroughs = list(session.scalars(select(AreaRow).where(AreaRow.level == "borough")))
    if not boroughs:
        boroughs = list(session.scalars(select(AreaRow)))
    if not boroughs:
        raise InvalidInput("no areas are stored; import boundaries first (patrolgate areas import)")
    crs = boroughs[0].crs
    shapes = {r.code: shape(r.geometry) for r in boroughs}
    clipped = shapely.intersection(drawn, shapely.union_all(list(shapes.values())))
    clipped = shapely.union_all(
        [
            g
            for g in getattr(clipped, "geoms", [clipped])
            if g.geom_type in ("Polygon", "MultiPolygon")
        ]
    )
    if clipped.is_empty or _projected_area_km2(clipped, crs) * 1e6 < _SLIVER_M2:
        raise InvalidInput("the GeoJSON polygon lies outside the study area")
    touched = sorted(
        code
        for code, geometry in shapes.items()
        if _projected_area_km2(shapely.intersection(geometry, clipped), crs) * 1e6 >= _SLIVER_M2
    )
    return AreaSelection(
        area_codes=(),
        borough_codes=tuple(touched),
        geometry=dict(mapping(clipped)),
        area_km2=round(_projected_area_km2(clipped, crs), 4),
    )


def overlaps(first: dict[str, Any], second: dict[str, Any]) -> bool:
    """Whether two GeoJSON geometries share some area."""
    a, b = shape(first), shape(second)
    return bool(a.intersects(b) and not a.touches(b))
