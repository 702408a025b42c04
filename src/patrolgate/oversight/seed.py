"""The demo's oversight data: PAS and IMD from the shipped files, synthetic pings per deployment.

The pings are **synthetic** and say so (units ``DEMO-<id>-1`` and ``-2``): two units patrol
each demo deployment's area every two minutes through its authorised window. The first
deployment also shows what compliance flags look like: a unit arrives 20 minutes early and
steps 400 m outside the area once. Safe to run again: nothing is imported or added twice.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shapely.geometry import Point, shape
from sqlalchemy import func, select

from patrolgate.oversight.facts import Deployed, load_deployed
from patrolgate.oversight.sources import import_imd, import_pas
from patrolgate.settings import Settings
from patrolgate.store import Database
from patrolgate.store.oversight_tables import LsoaDeprivationRow, PasResultRow, UnitPingRow

PAS_FILE = ("mopac-pas", "pas_borough_confidence_2014-12_2023-12.csv.gz")
IMD_FILE = ("london-population", "id2019_london_lsoa.xlsx")
STEP = timedelta(minutes=2)
#: Degrees of latitude in about 400 m.
STRAY = 0.0036


@dataclass(frozen=True)
class SeedSummary:
    """What seeding added."""

    pas_rows: int
    lsoas: int
    pings: int


def _count(database: Database, table: Any) -> int:
    with database.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def _inside(geometry: Any, rng: random.Random) -> tuple[float, float]:
    lon0, lat0, lon1, lat1 = geometry.bounds
    for _ in range(1000):
        lon, lat = rng.uniform(lon0, lon1), rng.uniform(lat0, lat1)
        if geometry.contains(Point(lon, lat)):
            return lon, lat
    point = geometry.representative_point()
    return float(point.x), float(point.y)


def synthetic_pings(deployed: Deployed, now: datetime, *, strays: bool) -> list[UnitPingRow]:
    """Two demo units' pings every two minutes through the window (up to ``now``)."""
    area = shape(deployed.geometry)
    rng = random.Random(deployed.id)  # the same pings every time for the same deployment
    stop = min(deployed.stop, now)
    rows = []
    tag = deployed.id.removeprefix("dep-")[:8]
    units = (f"DEMO-{tag}-1", f"DEMO-{tag}-2")
    for unit in units:
        moment = deployed.start + timedelta(seconds=rng.randrange(0, 120))
        while moment < stop:
            lon, lat = _inside(area, rng)
            rows.append(
                UnitPingRow(unit=unit, at=moment, lon=lon, lat=lat, deployment_id=deployed.id)
            )
            moment += STEP
    if strays and rows:
        lon, lat = _inside(area, rng)
        early = deployed.start - timedelta(minutes=20)
        rows.append(
            UnitPingRow(unit=units[0], at=early, lon=lon, lat=lat, deployment_id=deployed.id)
        )
        middle = rows[len(rows) // 4]
        north = area.bounds[3] + STRAY
        middle.lat, middle.lon = north, (area.bounds[0] + area.bounds[2]) / 2
    return rows


def seed_demo_oversight(database: Database, settings: Settings) -> SeedSummary:
    """Import the shipped PAS and IMD files (once) and synthetic pings for demo deployments."""
    data = settings.demo_data
    pas = imd = 0
    if _count(database, PasResultRow) == 0:
        pas = import_pas(database, data.joinpath(*PAS_FILE)).stored
    if _count(database, LsoaDeprivationRow) == 0:
        imd = import_imd(database, data.joinpath(*IMD_FILE)).stored
    now = settings.clock_now()
    with database.sessions() as session:
        tracked = set(
            session.scalars(
                select(UnitPingRow.deployment_id).where(UnitPingRow.deployment_id.is_not(None))
            ).all()
        )
    added = 0
    started = [d for d in load_deployed(database, now) if d.start < now]
    for index, deployed in enumerate(started):
        if deployed.id in tracked:
            continue
        rows = synthetic_pings(deployed, now, strays=index == 0)
        with database.event_transaction() as session:  # pings live with imported data
            session.add_all(rows)
        added += len(rows)
    return SeedSummary(pas_rows=pas, lsoas=imd, pings=added)
