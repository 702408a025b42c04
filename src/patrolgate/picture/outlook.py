"""A deployment's forecast outlook: where its area stands in the city, in words and numbers.

Two halves. :func:`area_standing` runs once, when a proposal's forecast snapshot is taken
(never on a page request): the area's position among the city's cells, and the cells in and
around it with their city-wide ranks, for the dossier's map. :func:`outlook` turns a stored
snapshot (with the recorded accuracy it carries) into the sentences the dossier shows; it
fits and measures nothing, and says plainly when no accuracy was measured.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import shape

from patrolgate.geo.grid import Grid
from patrolgate.geo.projection import Projection

#: How far around the area the dossier's map shows forecast cells (metres).
AROUND_METRES = 400.0
#: At most this many cells outside the area are kept (the highest-ranked).
AROUND_CELLS = 60
#: At most this many cells inside the area are kept (the highest-ranked).
INSIDE_CELLS = 300


def city_ranks(expected: NDArray[np.float64]) -> NDArray[np.int64]:
    """Each cell's rank in the city by expected events (1 = highest; ties by cell number)."""
    order = np.argsort(-expected, kind="stable")
    ranks = np.empty(len(expected), dtype=np.int64)
    ranks[order] = np.arange(1, len(expected) + 1)
    return ranks


def area_standing(
    expected: NDArray[np.float64],
    inside: NDArray[np.int64],
    grid: Grid,
    projection: Projection,
    geometry: dict[str, Any],
) -> dict[str, Any]:
    """The area's standing in the city for one forecast, JSON-ready.

    ``share_of_city_above``: the share of the city's cells forecast more events than the
    area's average cell (so 0.02 reads "in the top 2 %"); ``cells_around``: GeoJSON of the
    area's cells and the highest-ranked cells within :data:`AROUND_METRES` of it, each with
    its city rank, expected events and whether it lies inside.
    """
    ranks = city_ranks(expected)
    mean_inside = float(expected[inside].mean()) if len(inside) else 0.0
    share_above = float((expected > mean_inside).mean()) if len(inside) else None
    projected = shapely.transform(
        shape(geometry), lambda xy: np.column_stack(projection.to_xy(xy[:, 0], xy[:, 1]))
    )
    x, y = grid.centroids()
    near = np.flatnonzero(shapely.contains_xy(projected.buffer(AROUND_METRES), x, y))
    outside = np.setdiff1d(near, inside)
    keep_inside = inside[np.argsort(ranks[inside], kind="stable")][:INSIDE_CELLS]
    keep_outside = outside[np.argsort(ranks[outside], kind="stable")][:AROUND_CELLS]
    keep = np.concatenate([keep_inside, keep_outside]).astype(np.int64)
    flags = np.zeros(grid.n_cells, dtype=bool)
    flags[inside] = True
    cells = grid.geojson(
        keep,
        {"rank": ranks, "expected": np.round(expected, 4), "inside": flags},
        digits=5,
    )
    return {
        "city_cells": int(grid.n_cells),
        "share_of_city_above": None if share_above is None else round(share_above, 4),
        "best_rank_inside": int(ranks[inside].min()) if len(inside) else None,
        "cells_around": cells,
    }


def poisson_interval(mean: float, level: float = 0.95) -> tuple[int, int]:
    """The central ``level`` interval of a Poisson count with this mean (whole events)."""
    if mean <= 0:
        return 0, 0
    tail = (1.0 - level) / 2.0
    low = high = None
    term = math.exp(-mean)
    cumulative = term
    k = 0
    while True:
        if low is None and cumulative > tail:
            low = k
        if cumulative >= 1.0 - tail:
            high = k
            break
        k += 1
        term *= mean / k
        cumulative += term
    return int(low or 0), high


@dataclass(frozen=True)
class Outlook:
    """What the dossier says of a deployment's forecast snapshot."""

    #: "This area is in the top 2 % of the city's cells ...: 0.11 expected events ..."
    standing: str
    #: "Over 13 held-out days ... the model caught 36 % ...", or that none was measured.
    accuracy: str
    #: "Events up to ..."
    data: str
    expected: float
    interval: tuple[int, int]
    measured: bool

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "standing": self.standing,
            "accuracy": self.accuracy,
            "data": self.data,
            "expected": self.expected,
            "interval": list(self.interval),
            "measured": self.measured,
        }


def _period(snapshot: dict[str, Any], tz: ZoneInfo) -> str:
    start = datetime.fromisoformat(snapshot["start"]).astimezone(tz)
    end = datetime.fromisoformat(snapshot["end"]).astimezone(tz)
    hours = (end - start).total_seconds() / 3600
    return f"{start:%a %d %b %Y %H:%M} to {end:%a %d %b %H:%M %Z} ({hours:g} h)"


def _top_words(share: float) -> str:
    percent = max(share * 100, 0.1)
    if percent >= 50:
        return "below the city's median cell (more than half of the city's cells are forecast more)"
    shown = f"{percent:.0f}" if percent >= 1 else f"{percent:.1f}"
    return f"in the top {shown} % of the city's cells"


_NEXT = {"8h": "next-shift", "1d": "next-day", "1w": "next-week", "month": "next-month"}


def _accuracy_words(accuracy: dict[str, Any] | None) -> tuple[str, bool]:
    if not accuracy:
        return "No measured accuracy was recorded with this forecast.", False
    if not accuracy.get("measured"):
        reason = str(accuracy.get("reason") or "no backtest was recorded").rstrip(".")
        return f"No measured accuracy: {reason[:1].lower()}{reason[1:]}.", False
    settings = accuracy.get("settings") or {}
    span = ""
    if settings.get("from") and settings.get("to"):
        span = f" from {str(settings['from'])[:10]} to {str(settings['to'])[:10]}"
    coverage = float(accuracy.get("coverage") or 0.0)
    hit_rate = float(accuracy.get("hit_rate") or 0.0)
    pai = accuracy.get("pai")
    text = (
        f"Measured accuracy: over {accuracy.get('windows')} held-out windows{span} "
        f"({accuracy.get('events')} events), {accuracy.get('model')} caught {hit_rate:.0%} of "
        f"{_NEXT.get(str(accuracy.get('window')), 'next-window')} events in its top "
        f"{coverage:.0%} of the city"
    )
    if pai is not None:
        text += f", PAI {float(pai):.1f}"
    gain = accuracy.get("pai_minus_baseline")
    if isinstance(gain, dict) and {"estimate", "low", "high"} <= gain.keys():
        text += (
            f" ({float(gain['estimate']):+.1f} over three-year counts, 95 % interval "
            f"{float(gain['low']):+.1f} to {float(gain['high']):+.1f})"
        )
    return text + ".", True


def outlook(snapshot: dict[str, Any] | None, tz: ZoneInfo) -> Outlook | None:
    """The sentences the dossier shows for a stored forecast snapshot (``None``: none)."""
    if not snapshot:
        return None
    expected = float(snapshot.get("expected_events") or 0.0)
    low, high = poisson_interval(expected)
    share = snapshot.get("share_of_city_above")
    where = (
        f"This area is {_top_words(float(share))}"
        if share is not None
        else "This snapshot does not place the area among the city's cells (it was taken "
        "before the standing was recorded)"
    )
    standing = (
        f"{where} for {_period(snapshot, tz)}: {expected:.2f} expected events "
        f"(95 % interval {low}–{high} events, as a Poisson count), by {snapshot.get('model')}"
        f" over {snapshot.get('cells')} cells of the area"
    )
    if snapshot.get("best_rank_inside") is not None and snapshot.get("city_cells"):
        standing += (
            f"; its highest cell ranks {snapshot['best_rank_inside']:,} of "
            f"{snapshot['city_cells']:,} in the city"
        )
    accuracy, measured = _accuracy_words(snapshot.get("accuracy"))
    last = snapshot.get("events_up_to")
    ended = datetime.fromisoformat(last).astimezone(tz) if last else None
    data = (
        f"The data's last event ended {ended:%a %d %b %Y %H:%M %Z}."
        if ended is not None
        else "The snapshot does not say when the data's last event was."
    )
    return Outlook(standing + ".", accuracy, data, round(expected, 4), (low, high), measured)
