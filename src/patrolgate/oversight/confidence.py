"""Community confidence: MOPAC PAS by borough, with and without deployments, before and after.

Each PAS figure is the share of respondents agreeing over the 12 months to a quarter end.
*Before* is the latest figure whose 12 months end on or before the period starts; *after*
the first figure whose 12 months end at least 12 months after the period ends (wholly after
it) or, when the survey does not reach that far, the latest figure ending after the period,
marked as overlapping. The comparison of boroughs with deployments against boroughs without
is an **association, not an effect**: boroughs chosen for deployments differ in many ways,
and the survey has its own sampling error (a few percentage points per borough).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from statistics import fmean
from typing import Any

from sqlalchemy import select

from patrolgate.oversight.facts import load_deployed
from patrolgate.oversight.sources import CONFIDENCE, FAIR, KEY_MEASURES, LONDON_BOROUGHS, TRUST
from patrolgate.store import Database
from patrolgate.store.oversight_tables import PasResultRow

LABEL = (
    "Association, not effect: boroughs with deployments differ from the others in many ways; "
    "these figures cannot say that deployments changed confidence."
)
MEASURE_WORDS = {
    TRUST: "trust the MPS",
    FAIR: "the police treat everyone fairly",
    CONFIDENCE: "police do a good job locally (confidence)",
}


def _series(database: Database) -> dict[tuple[str, str], list[tuple[date, float]]]:
    with database.sessions() as session:
        rows = session.execute(
            select(
                PasResultRow.borough_code,
                PasResultRow.measure,
                PasResultRow.period_end,
                PasResultRow.proportion,
            ).where(PasResultRow.measure.in_(KEY_MEASURES))
        ).all()
    series: dict[tuple[str, str], list[tuple[date, float]]] = defaultdict(list)
    for code, measure, period, value in rows:
        series[(str(code), str(measure))].append((date.fromisoformat(period), float(value)))
    for values in series.values():
        values.sort()
    return series


def _before(values: list[tuple[date, float]], start: date) -> tuple[date, float] | None:
    earlier = [v for v in values if v[0] <= start]
    return earlier[-1] if earlier else None


def _after(values: list[tuple[date, float]], end: date) -> tuple[date, float, bool] | None:
    wholly = [v for v in values if v[0] >= end + timedelta(days=365)]
    if wholly:
        return wholly[0][0], wholly[0][1], False
    later = [v for v in values if v[0] > end]
    return (later[-1][0], later[-1][1], True) if later else None


def _mean(values: list[float]) -> float | None:
    return round(fmean(values), 4) if values else None


def community_confidence(
    database: Database, start: datetime, end: datetime, *, now: datetime
) -> dict[str, Any]:
    """PAS measures before and after ``[start, end)`` for boroughs with and without deployments."""
    deployed = [d for d in load_deployed(database, now) if d.overlaps(start, end)]
    with_deployments = sorted({b for d in deployed for b in d.borough_codes})
    series = _series(database)
    names = {code: name for name, code in LONDON_BOROUGHS.items()}
    first, last = start.date(), end.date()
    boroughs = []
    groups: dict[tuple[str, bool], dict[str, list[float]]] = defaultdict(
        lambda: {"before": [], "after": [], "change": []}
    )
    overlapping = False
    for code in sorted({c for c, _ in series}):
        row: dict[str, Any] = {
            "borough_code": code,
            "borough": names.get(code, code),
            "deployments": code in with_deployments,
        }
        for measure in KEY_MEASURES:
            values = series.get((code, measure), [])
            before, after = _before(values, first), _after(values, last)
            row[measure] = {
                "before": before[1] if before else None,
                "before_period_end": before[0].isoformat() if before else None,
                "after": after[1] if after else None,
                "after_period_end": after[0].isoformat() if after else None,
                "after_overlaps_period": after[2] if after else None,
            }
            bucket = groups[(measure, code in with_deployments)]
            if before:
                bucket["before"].append(before[1])
            if before and after:
                overlapping |= after[2]
                bucket["after"].append(after[1])
                bucket["change"].append(after[1] - before[1])
        boroughs.append(row)
    comparison = []
    for measure in KEY_MEASURES:
        entry: dict[str, Any] = {"measure": measure, "words": MEASURE_WORDS[measure]}
        for has, key in ((True, "with_deployments"), (False, "without_deployments")):
            bucket = groups[(measure, has)]
            entry[key] = {
                "boroughs": len(bucket["before"]),
                "boroughs_surveyed_after": len(bucket["change"]),
                "before": _mean(bucket["before"]),
                "after": _mean(bucket["after"]),
                "change": _mean(bucket["change"]),
            }
        a, b = entry["with_deployments"]["change"], entry["without_deployments"]["change"]
        entry["difference_in_change"] = round(a - b, 4) if a is not None and b is not None else None
        comparison.append(entry)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "label": LABEL,
        "boroughs_with_deployments": with_deployments,
        "after_overlaps_period": overlapping,
        "comparison": comparison,
        "boroughs": boroughs,
        "survey_periods": sorted({p.isoformat() for v in series.values() for p, _ in v})[-1:],
    }
