"""Where a deployment is: stored area codes, or a GeoJSON polygon clipped to the study area."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from patrolgate.errors import InvalidInput
from patrolgate.geo.projection import Projection
from patrolgate.store.tables import AreaRow

#: A polygon's share outside the study area that is dropped without comment (rounding).
_SLIVER_M2 = 1.0


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


def _geometry_of(document: dict[str, Any]) -> BaseGeometry:
    kind = document.get("type")
    try:
        if kind == "FeatureCollection":
            parts = [shape(f["geometry"]) for f in document.get("features") or []]
            if not parts:
                raise InvalidInput("the GeoJSON FeatureCollection has no features")
            return shapely.union_all(parts)
        if kind == "Feature":
            return shape(document["geometry"])
        return shape(document)
    except (KeyError, TypeError, ValueError, AttributeError, shapely.errors.GEOSException) as err:
        raise InvalidInput(f"not a GeoJSON polygon ({err})") from err


def select_geojson(session: Session, document: dict[str, Any]) -> AreaSelection:
    """A drawn polygon clipped to the study area (the union of the stored boroughs)."""
    drawn = _geometry_of(document)
    if drawn.geom_type not in ("Polygon", "MultiPolygon") or drawn.is_empty:
        raise InvalidInput(f"the GeoJSON must be a polygon, not a {drawn.geom_type}")
    if not drawn.is_valid:
        drawn = shapely.make_valid(drawn)
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
