"""Storing and loading areas."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from sqlalchemy import Text, cast, delete, select
from sqlalchemy.orm import Session

from patrolgate.geo.areas import Area, AreaIndex, AreaLevel
from patrolgate.geo.projection import Projection, choose_crs
from patrolgate.store.database import Database
from patrolgate.store.deployment_repository import forget_area_names
from patrolgate.store.tables import AreaRow


def save_areas(session: Session, areas: Sequence[Area], crs: str) -> int:
    """Insert or replace areas by code; returns how many were written."""
    projection = Projection(crs)
    codes = [a.code for a in areas]
    session.execute(delete(AreaRow).where(AreaRow.code.in_(codes)))
    forget_area_names(session)
    index = AreaIndex(areas, projection)
    for area, projected in zip(areas, index.geometries, strict=True):
        session.add(
            AreaRow(
                code=area.code,
                level=area.level.value,
                name=area.name,
                parent_code=area.parent_code,
                geometry=area.geojson_geometry(),
                area_m2=float(projected.area),
                crs=crs,
            )
        )
    return len(areas)


def load_areas(database: Database, level: str | None = None) -> list[Area]:
    """Every stored area, or those of one level, ordered by code."""
    # The boundaries are read as their stored GeoJSON text and parsed by GEOS in one call:
    # decoding thousands of polygons through Python lists costs an import a second or two.
    query = select(
        AreaRow.code,
        AreaRow.level,
        AreaRow.name,
        AreaRow.parent_code,
        cast(AreaRow.geometry, Text),
    ).order_by(AreaRow.code)
    if level is not None:
        query = query.where(AreaRow.level == level)
    with database.sessions() as session:
        rows = session.execute(query).all()
    boundaries = shapely.from_geojson([row[4] for row in rows]) if rows else []
    return [
        Area(
            code=code,
            level=AreaLevel(row_level),
            name=name,
            boundary=boundary,
            parent_code=parent_code,
        )
        for (code, row_level, name, parent_code, _), boundary in zip(rows, boundaries, strict=True)
    ]


def stored_levels(database: Database) -> list[str]:
    """The area levels present, finest first."""
    with database.sessions() as session:
        present = set(session.scalars(select(AreaRow.level).distinct()).all())
    order = [AreaLevel.LSOA, AreaLevel.WARD, AreaLevel.DISTRICT, AreaLevel.BOROUGH]
    return [level.value for level in order if level.value in present]


def stored_crs(database: Database) -> str | None:
    """The projected CRS areas were stored with, if any are stored."""
    with database.sessions() as session:
        return session.scalars(select(AreaRow.crs).limit(1)).first()


def crs_for_areas(areas: Sequence[Area]) -> str:
    """The projected CRS suited to a set of areas (their centroids decide)."""
    centroids = [a.boundary.centroid for a in areas]
    lon = np.array([c.x for c in centroids])
    lat = np.array([c.y for c in centroids])
    return choose_crs(lon, lat)
