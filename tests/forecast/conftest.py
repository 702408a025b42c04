"""Real Chicago data for the forecasting tests: aggravated assaults 2014 to mid-2016."""

from __future__ import annotations

import csv
import gzip
import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import shapely
from shapely.geometry import shape
from tests.conftest import SHIPPED_DATA

from patrolgate.events.points import EventPoints
from patrolgate.geo.grid import Grid
from patrolgate.geo.projection import Projection, choose_crs

CHICAGO = SHIPPED_DATA / "chicago"
CHICAGO_ZONE = "America/Chicago"


def read_chicago(first: str, last: str) -> tuple[EventPoints, shapely.Geometry]:
    """Located Chicago events with local dates in [first, last), and the districts' union."""
    zone = ZoneInfo(CHICAGO_ZONE)
    lon, lat, stamps, places = [], [], [], []
    with gzip.open(CHICAGO / "chicago_aggravated_assaults_2010-2017.csv.gz", "rt") as handle:
        for row in csv.DictReader(handle):
            if not (first <= row["date"] < last) or not row["longitude"]:
                continue
            local = datetime.fromisoformat(row["date"]).replace(tzinfo=zone)
            stamps.append(local.astimezone(UTC).replace(tzinfo=None))
            lon.append(float(row["longitude"]))
            lat.append(float(row["latitude"]))
            places.append(row["loc_cat"])
    crs = choose_crs(np.array(lon), np.array(lat))
    projection = Projection(crs)
    x, y = projection.to_xy(np.array(lon), np.array(lat))
    start = np.array(stamps, dtype="datetime64[s]")
    events = EventPoints(
        t_start=start,
        t_end=(start + np.timedelta64(60, "s")).astype("datetime64[s]"),
        x=x,
        y=y,
        category=np.full(len(x), "violence-with-injury"),
        crs=crs,
        place=np.array(places, dtype=str),
    )
    document = json.loads(
        gzip.decompress((CHICAGO / "chicago_police_districts_2018.geojson.gz").read_bytes())
    )
    polygons = [
        shapely.make_valid(
            shapely.transform(shape(f["geometry"]), projection.to_xy, interleaved=False)
        )
        for f in document["features"]
    ]
    return events, shapely.union_all(np.array(polygons, dtype=object))


@pytest.fixture(scope="session")
def chicago() -> tuple[EventPoints, Grid]:
    """Chicago events from 2014 to June 2016 on a 250 m grid over the police districts."""
    events, study = read_chicago("2014-01-01", "2016-07-01")
    return events, Grid.from_polygon(study, crs=events.crs, cell_size=250.0)


@pytest.fixture(scope="session")
def chicago_study_area() -> tuple[str, shapely.Geometry]:
    """The CRS and projected union of Chicago's police districts."""
    events, study = read_chicago("2017-12-31", "2018-01-01")
    return events.crs, study
