"""The rarity monitor: is each power still the exception, per borough and per area?

For rolling windows of 28, 90 and 365 days ending now, per profile: deployments, hours under
the power, the share of area-time covered and repeat deployments to the same place. The
thresholds are the profile's ``[rarity]`` section: at most ``max_deployments`` and
``max_hours`` within ``period_days``. For a window longer than the profile's period the
allowance grows in proportion (365 days of a 90-day limit of 1 allow 4.06); for a shorter
window it is the whole allowance (one deployment in 28 days is within 1 per 90 days).

A breach becomes an ``oversight.notified`` entry in the audit trail, written through the
audit repository, once per breach (the newest deployment in it identifies it). A breach the
workflow already notified when it authorised that deployment is not notified again for
windows up to the profile's own period.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import shapely
from shapely.geometry import shape

from patrolgate.oversight.facts import Deployed, area_rows, load_deployed, profile_for
from patrolgate.store import Database
from patrolgate.store.audit_repository import append_entry, load_entries
from patrolgate.workflow.areas import overlaps

#: Rolling windows, in days, the monitor reports.
WINDOWS = (28, 90, 365)
#: The audit action of an oversight notification (the workflow's own name for it).
NOTIFIED = "oversight.notified"


@dataclass(frozen=True)
class RarityFigure:
    """One place, window and profile: how much the power was used, against its limit."""

    scope: str
    code: str
    name: str
    window_days: int
    profile: str
    deployments: int
    hours: float
    coverage: float
    repeats: int
    limit_deployments: float
    limit_hours: float
    deployment_ids: tuple[str, ...]
    breach: str | None = None
    period_days: int = 0

    @property
    def subject(self) -> str:
        """The audit subject naming this breach's place, window and profile."""
        return f"rarity:{self.scope}:{self.code}:{self.window_days}d:{self.profile}"[:60]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "scope": self.scope,
            "code": self.code,
            "name": self.name,
            "window_days": self.window_days,
            "profile": self.profile,
            "deployments": self.deployments,
            "hours": round(self.hours, 2),
            "coverage": round(self.coverage, 6),
            "repeats": self.repeats,
            "limit_deployments": round(self.limit_deployments, 2),
            "limit_hours": round(self.limit_hours, 2),
            "deployment_ids": list(self.deployment_ids),
            "breach": self.breach,
        }


@dataclass(frozen=True)
class RarityReport:
    """Every figure of the monitor at one moment."""

    now: datetime
    figures: tuple[RarityFigure, ...]

    @property
    def breaches(self) -> list[RarityFigure]:
        """The figures over their limit."""
        return [f for f in self.figures if f.breach is not None]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "now": self.now.isoformat(),
            "windows_days": list(WINDOWS),
            "figures": [f.as_dict() for f in self.figures],
            "breaches": [f.as_dict() for f in self.breaches],
        }


@dataclass(frozen=True)
class _Place:
    scope: str
    code: str
    name: str
    km2: float
    geometry: Any


def _share_inside(deployed: Deployed, place: _Place) -> float:
    """The share of the deployment's area inside ``place`` (ratios in lon/lat are close
    enough within a city: the scale changes by well under 1% across London)."""
    if place.scope == "area":
        return 1.0
    if deployed.borough_codes == (place.code,):
        return 1.0
    geometry = shape(deployed.geometry)
    if geometry.area <= 0:
        return 0.0
    return float(shapely.intersection(geometry, place.geometry).area / geometry.area)


def _repeats(group: Sequence[Deployed], place: _Place) -> int:
    """Deployments that went back to a place an earlier one in the window already covered."""
    if place.scope == "area":
        return max(len(group) - 1, 0)
    count = 0
    for i, later in enumerate(group):
        if any(overlaps(earlier.geometry, later.geometry) for earlier in group[:i]):
            count += 1
    return count


def _breach(
    deployments: int, hours: float, limit_n: float, limit_h: float, words: str
) -> str | None:
    problems = []
    if deployments > limit_n:
        problems.append(f"{deployments} deployments (limit {limit_n:g})")
    if hours > limit_h:
        problems.append(f"{hours:.1f} h under the power (limit {limit_h:g} h)")
    return f"{words}: " + " and ".join(problems) if problems else None


def _places(database: Database, deployed: Sequence[Deployed]) -> dict[tuple[str, str], _Place]:
    wanted_areas = {c for d in deployed for c in d.area_codes}
    wanted_boroughs = {c for d in deployed for c in d.borough_codes}
    places: dict[tuple[str, str], _Place] = {}
    with database.sessions() as session:
        # Only the places deployed in, not every stored boundary: their geometries are
        # large, and decoding all London's boroughs took most of the dashboard's time.
        for row in area_rows(session, codes=wanted_areas | wanted_boroughs):
            scope = "borough" if row.level == "borough" else "area"
            if row.code not in (wanted_boroughs if scope == "borough" else wanted_areas):
                continue
            places[(scope, row.code)] = _Place(
                scope, row.code, row.name, row.area_m2 / 1e6, shape(row.geometry)
            )
    return places


def _figure(
    place: _Place, window: int, profile_name: str, group: list[Deployed], now: datetime
) -> RarityFigure:
    low = now - timedelta(days=window)
    profile = profile_for(group[-1])
    rarity = profile.rarity
    scale = max(1.0, window / rarity.period_days)
    limit_n, limit_h = rarity.max_deployments * scale, rarity.max_hours * scale
    hours = sum(d.hours_within(low, now) for d in group)
    window_hours = window * 24.0
    area_time = sum(d.area_km2 * _share_inside(d, place) * d.hours_within(low, now) for d in group)
    if place.scope == "area":
        coverage = min(hours / window_hours, 1.0)
    else:
        coverage = min(area_time / (place.km2 * window_hours), 1.0) if place.km2 > 0 else 0.0
    words = f"{profile_name} in {place.name} ({place.code}) within {window} days"
    return RarityFigure(
        scope=place.scope,
        code=place.code,
        name=place.name,
        window_days=window,
        profile=profile_name,
        deployments=len(group),
        hours=hours,
        coverage=coverage,
        repeats=_repeats(group, place),
        limit_deployments=limit_n,
        limit_hours=limit_h,
        deployment_ids=tuple(d.id for d in group),
        breach=_breach(len(group), hours, limit_n, limit_h, words),
        period_days=rarity.period_days,
    )


def monitor(database: Database, now: datetime, windows: Sequence[int] = WINDOWS) -> RarityReport:
    """The monitor's figures at ``now`` for every place with a deployment in a window."""
    deployed = [d for d in load_deployed(database, now) if d.start < now]
    places = _places(database, deployed)
    figures: list[RarityFigure] = []
    for window in windows:
        low = now - timedelta(days=window)
        groups: dict[tuple[str, str, str], list[Deployed]] = defaultdict(list)
        for d in deployed:
            if not d.overlaps(low, now):
                continue
            for code in d.borough_codes:
                groups[("borough", code, d.profile_name)].append(d)
            for code in d.area_codes:
                groups[("area", code, d.profile_name)].append(d)
        for (scope, code, profile_name), group in sorted(groups.items()):
            place = places.get((scope, code)) or _Place(scope, code, code, 0.0, None)
            figures.append(_figure(place, window, profile_name, group, now))
    return RarityReport(now=now, figures=tuple(figures))


def _already_notified(entries: Sequence[Any], figure: RarityFigure, newest: str) -> bool:
    for entry in entries:
        if entry.header.action != NOTIFIED:
            continue
        if entry.header.subject == figure.subject:
            return True
        payload = entry.payload or {}
        at_authorisation = entry.header.subject is None and payload.get("escalated") is True
        if (
            at_authorisation
            and figure.scope == "borough"
            and figure.window_days <= figure.period_days
        ):
            return True
    return False


def record_breaches(database: Database, report: RarityReport) -> list[int]:
    """Notify oversight of each new breach in the audit trail; returns the entries' numbers."""
    recorded: list[int] = []
    for figure in report.breaches:
        newest = figure.deployment_ids[-1]
        with database.transaction() as session:
            if _already_notified(load_entries(session, deployment_id=newest), figure, newest):
                continue
            recorded.append(
                append_entry(
                    session,
                    recorded_at=report.now,
                    actor=None,
                    action=NOTIFIED,
                    deployment_id=newest,
                    subject=figure.subject,
                    reason=f"rarity monitor: {figure.breach}",
                    payload={"monitor": "rarity", **figure.as_dict()},
                )
            )
    return recorded


def _source(subject: str | None) -> str:
    if subject is None:
        return "workflow"
    if subject.startswith("task:"):
        return "deadline missed"
    if subject.startswith("forecast:"):
        return "forecast baseline gate"
    return "rarity monitor"


def notifications(database: Database, limit: int = 200) -> list[dict[str, Any]]:
    """Oversight notifications on the record (the workflow's and the monitor's), newest first."""
    with database.sessions() as session:
        entries = load_entries(session, action=NOTIFIED)  # not the whole trail's payloads
    return [
        {
            "seq": e.seq,
            "at": e.header.recorded_at.isoformat(),
            "deployment_id": e.header.deployment_id,
            "subject": e.header.subject,
            "reason": e.header.reason,
            "source": _source(e.header.subject),
        }
        for e in reversed(entries)
    ][:limit]
