"""Tracking (Sherman's third T): did the patrol happen where and when it was authorised?

Pings are positions of patrol *units* under pseudonyms (call signs), never of officers: a
file with a column that looks like a person's name, number or identity is refused whole.

For a deployment, its units are those whose pings are tagged with its id (an optional
``deployment`` column) and those seen inside its area during its authorised window.

* **Dosage**: a ping stands for its unit's position until the unit's next ping, for at most
  ``max_gap`` (default 5 minutes). Dosage is the minutes of the authorised window during
  which at least one unit was inside the area; unit-minutes add every unit's minutes.
* **Compliance**: pings of the deployment's units inside the window but more than
  ``tolerance_m`` (default 25 m, GPS error) outside the area, and pings inside the area within
  ``margin`` (default 6 h) before the start or after the end. A ping tagged with the
  deployment that falls outside its area or time is always flagged. Flags are for oversight to
  look at, not findings of misconduct: a unit may cross the boundary on its way in.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from shapely.geometry import shape
from sqlalchemy import func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from patrolgate.errors import InvalidInput, NotFound
from patrolgate.events.allow_list import PERSON_COLUMNS
from patrolgate.events.ranges import parse_number
from patrolgate.events.source_file import open_csv
from patrolgate.geo.projection import Projection
from patrolgate.oversight.facts import Deployed, load_deployed
from patrolgate.store import Database
from patrolgate.store.event_queries import study_crs
from patrolgate.store.oversight_tables import UnitPingRow
from patrolgate.store.tables import ImportRun
from patrolgate.timekeeping import record_time

UNIT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,39}$")
#: Words in a column name that point at a person; such a file is refused.
PERSON_WORDS = (
    "name",
    "officer",
    "surname",
    "forename",
    "collar",
    "warrant",
    "shoulder",
    "badge",
    "payroll",
    "employee",
    "staff_id",
    "pnc",
    "person",
)
_COLUMNS = {
    "unit": ("unit", "unit_pseudonym", "callsign", "call_sign"),
    "time": ("time", "timestamp", "at"),
    "lat": ("lat", "latitude"),
    "lon": ("lon", "lng", "longitude"),
}
MAX_GAP = timedelta(minutes=5)
MARGIN = timedelta(hours=6)
TOLERANCE_M = 25.0


def _refuse_person_columns(path: Path, header: list[str]) -> None:
    flagged = [
        h
        for h in header
        if h.strip().lower() in PERSON_COLUMNS
        or any(word in h.strip().lower().replace(" ", "_") for word in PERSON_WORDS)
    ]
    if flagged:
        raise InvalidInput(
            f"{path}: refused: column(s) {', '.join(flagged)} look like they identify people; "
            "pings carry a unit pseudonym (call sign), time, lat and lon only"
        )


def _pick(path: Path, header: list[str], key: str) -> int:
    lowered = [h.strip().lower() for h in header]
    for name in _COLUMNS[key]:
        if name in lowered:
            return lowered.index(name)
    raise InvalidInput(
        f"{path}: not a pings file: no {key} column (one of {', '.join(_COLUMNS[key])})"
    )


def _number(text: str) -> float:
    value = parse_number(text)
    if value is None:
        raise ValueError(f"{text.strip()!r} is not a number")
    return value


def _time(text: str, timezone: ZoneInfo) -> datetime:
    return record_time(datetime.fromisoformat(text.strip()), timezone)


@dataclass
class PingImport:
    """What an import of pings read, stored and rejected."""

    path: str
    rows_read: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "path": self.path,
            "rows_read": self.rows_read,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "rejected": len(self.rejected),
            "problems": self.rejected[:20],
        }


def import_pings(database: Database, path: Path, timezone: ZoneInfo) -> PingImport:
    """Import unit pings (unit, time, lat, lon[, deployment]) in one transaction."""
    stream = open_csv(path, required=(), what="pings")
    _refuse_person_columns(path, stream.header)
    at = {key: _pick(path, stream.header, key) for key in _COLUMNS}
    lowered = [h.strip().lower() for h in stream.header]
    tag = lowered.index("deployment") if "deployment" in lowered else None
    report = PingImport(str(path))
    rows: dict[tuple[str, datetime], dict[str, Any]] = {}
    started = datetime.now(ZoneInfo("UTC"))
    for chunk in stream.numbered_rows(50_000):
        for line, record in chunk:
            try:
                unit = record[at["unit"]].strip()
                if not UNIT.match(unit):
                    raise ValueError(f"unit {unit!r} is not a pseudonym (letters, digits, -._:/)")
                moment = _time(record[at["time"]], timezone)
                lat, lon = _number(record[at["lat"]]), _number(record[at["lon"]])
                if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                    raise ValueError(f"position {lat}, {lon} is not on Earth")
                deployment = (record[tag].strip() or None) if tag is not None else None
            except (ValueError, IndexError) as error:
                report.rejected.append(f"{path}:{line}: {error}")
                continue
            key = (unit, moment.astimezone(ZoneInfo("UTC")))
            if key in rows:
                report.duplicates += 1
                continue
            rows[key] = {
                "unit": unit,
                "at": key[1],
                "lat": lat,
                "lon": lon,
                "deployment_id": deployment,
            }
        report.rows_read += len(chunk)
    with database.event_transaction() as session:
        run = ImportRun(
            importer="pings",
            file_name=str(path),
            file_sha256=stream.sha256,
            rows_read=report.rows_read,
            rows_stored=0,
            rows_duplicate=0,
            rows_rejected=len(report.rejected),
            fields_kept="unit, time, lat, lon, deployment",
            crs=None,
            started_at=started,
            finished_at=started,
        )
        session.add(run)
        session.flush()
        insert = (
            postgresql.insert if database.engine.dialect.name == "postgresql" else sqlite.insert
        )
        values = [{**r, "import_run_id": run.id} for r in rows.values()]
        before = int(session.scalar(select(func.count()).select_from(UnitPingRow)) or 0)
        for begin in range(0, len(values), 5000):
            session.execute(
                insert(UnitPingRow).on_conflict_do_nothing(), values[begin : begin + 5000]
            )
        after = int(session.scalar(select(func.count()).select_from(UnitPingRow)) or 0)
        stored = after - before
        report.stored = stored
        report.duplicates += len(values) - stored
        run.rows_stored = stored
        run.rows_duplicate = report.duplicates
        run.finished_at = datetime.now(ZoneInfo("UTC"))
    return report


@dataclass(frozen=True)
class Flag:
    """A ping oversight should look at."""

    unit: str
    at: datetime
    lat: float
    lon: float
    why: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (position to about 10 m)."""
        return {
            "unit": self.unit,
            "at": self.at.isoformat(),
            "lat": round(self.lat, 4),
            "lon": round(self.lon, 4),
            "why": self.why,
        }


@dataclass(frozen=True)
class Tracking:
    """Dosage and compliance of one deployment."""

    deployment_id: str
    start: datetime
    stop: datetime
    units: tuple[str, ...]
    pings: int
    dosage_minutes: float
    unit_minutes: float
    flags: tuple[Flag, ...]

    @property
    def window_minutes(self) -> float:
        """Length of the authorised window in minutes."""
        return (self.stop - self.start).total_seconds() / 60

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        window = self.window_minutes
        return {
            "deployment_id": self.deployment_id,
            "start": self.start.isoformat(),
            "stop": self.stop.isoformat(),
            "units": list(self.units),
            "pings": self.pings,
            "window_minutes": round(window, 1),
            "dosage_minutes": round(self.dosage_minutes, 1),
            "dosage_share": round(self.dosage_minutes / window, 4) if window > 0 else None,
            "unit_minutes": round(self.unit_minutes, 1),
            "outside_area": sum(1 for f in self.flags if f.why.startswith("outside the area")),
            "outside_time": sum(1 for f in self.flags if f.why.startswith("in the area")),
            "flags": [f.as_dict() for f in self.flags],
        }


def _merge(intervals: list[tuple[datetime, datetime]]) -> float:
    """Minutes covered by the union of ``intervals``."""
    total, current = 0.0, None
    for low, high in sorted(intervals):
        if current is None or low > current[1]:
            if current is not None:
                total += (current[1] - current[0]).total_seconds()
            current = [low, high]
        else:
            current[1] = max(current[1], high)
    if current is not None:
        total += (current[1] - current[0]).total_seconds()
    return total / 60


def track(
    database: Database,
    deployed: Deployed,
    now: datetime,
    *,
    max_gap: timedelta = MAX_GAP,
    margin: timedelta = MARGIN,
    tolerance_m: float = TOLERANCE_M,
) -> Tracking:
    """Dosage and compliance of ``deployed`` from the stored pings, up to ``now``."""
    stop = min(deployed.stop, now)
    low, high = deployed.start - margin, stop + margin
    with database.sessions() as session:
        rows = session.scalars(
            select(UnitPingRow)
            .where(
                or_(
                    UnitPingRow.deployment_id == deployed.id,
                    (UnitPingRow.at >= low) & (UnitPingRow.at < high + max_gap),
                )
            )
            .order_by(UnitPingRow.unit, UnitPingRow.at)
        ).all()
    projection = Projection(study_crs(database))
    area = shapely.transform(
        shape(deployed.geometry), lambda xy: np.column_stack(projection.to_xy(xy[:, 0], xy[:, 1]))
    )
    shapely.prepare(area)
    x, y = projection.to_xy(
        np.array([r.lon for r in rows], dtype=float), np.array([r.lat for r in rows], dtype=float)
    )
    points = shapely.points(x, y)
    inside = shapely.contains(area, points) if len(rows) else np.zeros(0, dtype=bool)
    near = shapely.dwithin(area, points, tolerance_m) if len(rows) else np.zeros(0, dtype=bool)
    in_time = np.array([deployed.start <= r.at < stop for r in rows], dtype=bool)
    tagged = {r.unit for r in rows if r.deployment_id == deployed.id}
    seen = {r.unit for r, i, t in zip(rows, inside, in_time, strict=True) if i and t}
    units = tagged | seen
    by_unit: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        if r.unit in units:
            by_unit[r.unit].append(i)
    segments: list[tuple[datetime, datetime]] = []
    unit_minutes = 0.0
    flags: list[Flag] = []
    for unit, indexes in by_unit.items():
        own: list[tuple[datetime, datetime]] = []
        for k, i in enumerate(indexes):
            r = rows[i]
            following = rows[indexes[k + 1]].at if k + 1 < len(indexes) else r.at + max_gap
            if inside[i]:
                a, b = max(r.at, deployed.start), min(following, r.at + max_gap, stop)
                if b > a:
                    own.append((a, b))
            why = None
            if in_time[i] and not near[i]:
                why = "outside the area during the authorised time"
            elif inside[i] and not in_time[i]:
                why = "in the area outside the authorised time"
            elif r.deployment_id == deployed.id and not in_time[i] and not near[i]:
                why = "outside the area and time, tagged to this deployment"
            if why is not None and (r.deployment_id == deployed.id or low <= r.at < high):
                flags.append(Flag(unit, r.at, r.lat, r.lon, why))
        unit_minutes += _merge(own)
        segments += own
    return Tracking(
        deployment_id=deployed.id,
        start=deployed.start,
        stop=stop,
        units=tuple(sorted(units)),
        pings=sum(len(v) for v in by_unit.values()),
        dosage_minutes=_merge(segments),
        unit_minutes=unit_minutes,
        flags=tuple(sorted(flags, key=lambda f: (f.at, f.unit))),
    )


def track_all(database: Database, now: datetime) -> list[Tracking]:
    """Tracking of every deployment that has started, newest first."""
    return [
        track(database, d, now) for d in reversed(load_deployed(database, now)) if d.start < now
    ]


def track_one(database: Database, deployment_id: str, now: datetime) -> Tracking:
    """Tracking of one authorised deployment."""
    for d in load_deployed(database, now):
        if d.id == deployment_id:
            return track(database, d, now)
    raise NotFound(f"no authorised deployment {deployment_id!r}")
