"""Real Chicago data for the evaluation tests: aggravated assaults 2010–2017, districts."""

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

from patrolgate.events.points import EventPoints
from patrolgate.geo.grid import Grid
from patrolgate.geo.projection import Projection, choose_crs
from tests.conftest import SHIPPED_DATA

CHICAGO = SHIPPED_DATA / "chicago"
EVENTS_FILE = CHICAGO / "chicago_aggravated_assaults_2010-2017.csv.gz"
DISTRICTS_FILE = CHICAGO / "chicago_police_districts_2018.geojson.gz"


@pytest.fixture(scope="session")
def chicago() -> tuple[EventPoints, Grid]:
    """Every located Chicago aggravated assault (UTC, one-minute intervals) and a 150 m grid."""
    zone = ZoneInfo("America/Chicago")
    lon, lat, stamps = [], [], []
    with gzip.open(EVENTS_FILE, "rt", newline="") as handle:
        for row in csv.DictReader(handle):
            if not row["longitude"]:
                continue
            local = datetime.fromisoformat(row["date"]).replace(tzinfo=zone)
            stamps.append(local.astimezone(UTC).replace(tzinfo=None))
            lon.append(float(row["longitude"]))
            lat.append(float(row["latitude"]))
    crs = choose_crs(np.array(lon), np.array(lat))
    projection = Projection(crs)
    x, y = projection.to_xy(np.array(lon), np.array(lat))
    start = np.array(stamps, dtype="datetime64[s]")
    events = EventPoints(
        t_start=start,
        t_end=start + np.timedelta64(60, "s"),
        x=x,
        y=y,
        category=np.full(len(x), "violence-with-injury"),
        crs=crs,
    )
    document = json.loads(gzip.decompress(DISTRICTS_FILE.read_bytes()))
    study = shapely.union_all(
        np.array(
            [
                shapely.make_valid(
                    shapely.transform(shape(f["geometry"]), projection.to_xy, interleaved=False)
                )
                for f in document["features"]
            ],
            dtype=object,
        )
    )
    return events, Grid.from_polygon(study, crs=crs, cell_size=150.0)
