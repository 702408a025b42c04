"""Reading the shipped Chicago and London data for the forecasting benchmark, without the store."""

from __future__ import annotations

import csv
import gzip
import io
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from patrolgate.events.points import EventPoints
from patrolgate.geo.grid import Grid
from patrolgate.geo.projection import BRITISH_NATIONAL_GRID, Projection, choose_crs

DATA = Path(__file__).resolve().parents[1] / "data"
CHICAGO_EVENTS = DATA / "chicago" / "chicago_aggravated_assaults_2010-2017.csv.gz"
CHICAGO_DISTRICTS = DATA / "chicago" / "chicago_police_districts_2018.geojson.gz"
LONDON_POINTS = (
    DATA / "london-robbery-weapons" / "london_robbery_weapons_points_2018-02_2021-01.csv.gz"
)
LONDON_BOROUGHS = DATA / "london-boundaries" / "london_boroughs.geojson.gz"


def _union(path: Path, projection: Projection) -> BaseGeometry:
    document = json.loads(gzip.decompress(path.read_bytes()))
    shapes = [
        shapely.make_valid(
            shapely.transform(shape(f["geometry"]), projection.to_xy, interleaved=False)
        )
        for f in document["features"]
    ]
    return shapely.union_all(np.array(shapes, dtype=object))


def chicago(cell_size: float = 150.0) -> tuple[EventPoints, Grid]:
    """Chicago aggravated assaults 2010–2017 (one-minute intervals) and the district grid."""
    with gzip.open(CHICAGO_EVENTS, "rt", newline="") as handle:
        rows = list(csv.DictReader(handle))
    lon = np.array([float(r["longitude"] or "nan") for r in rows])
    lat = np.array([float(r["latitude"] or "nan") for r in rows])
    zone = ZoneInfo("America/Chicago")
    # Local wall-clock minutes to UTC; the fold of the autumn change takes the first one.
    stamps = np.array(
        [
            np.datetime64(
                datetime.fromisoformat(r["date"])
                .replace(tzinfo=zone)
                .astimezone(ZoneInfo("UTC"))
                .replace(tzinfo=None),
                "s",
            )
            for r in rows
        ]
    )
    located = np.isfinite(lon) & np.isfinite(lat)
    crs = choose_crs(lon[located], lat[located])
    projection = Projection(crs)
    x, y = projection.to_xy(lon[located], lat[located])
    start = stamps[located]
    events = EventPoints(
        t_start=start,
        t_end=start + np.timedelta64(60, "s"),
        x=x,
        y=y,
        category=np.full(len(x), "violence-with-injury"),
        crs=crs,
        place=np.array([r["loc_cat"] for r in rows])[located],
    )
    grid = Grid.from_polygon(_union(CHICAGO_DISTRICTS, projection), crs=crs, cell_size=cell_size)
    return events, grid


def london(cell_size: float = 250.0, crime_type: str = "Robbery") -> tuple[EventPoints, Grid]:
    """London police.uk points of one crime type (month intervals) and the borough grid."""
    text = gzip.decompress(LONDON_POINTS.read_bytes()).decode("utf-8")
    rows = [r for r in csv.DictReader(io.StringIO(text)) if r["crime_type"] == crime_type]
    lon = np.array([float(r["longitude"]) for r in rows])
    lat = np.array([float(r["latitude"]) for r in rows])
    months = np.array([r["month"] for r in rows], dtype="datetime64[M]")
    # police.uk months are local (Europe/London); midnight local at a month's start is
    # 00:00 UTC in winter and 23:00 UTC the day before in summer; UTC month bounds are
    # within an hour of that, which no monthly model can resolve.
    projection = Projection(BRITISH_NATIONAL_GRID)
    x, y = projection.to_xy(lon, lat)
    events = EventPoints(
        t_start=months.astype("datetime64[s]"),
        t_end=(months + 1).astype("datetime64[s]"),
        x=x,
        y=y,
        category=np.full(len(x), "robbery"),
        crs=BRITISH_NATIONAL_GRID,
    )
    grid = Grid.from_polygon(
        _union(LONDON_BOROUGHS, projection), crs=BRITISH_NATIONAL_GRID, cell_size=cell_size
    )
    return events, grid
