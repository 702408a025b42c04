"""The map's recorded backtests: one per map window, run after each import, never per request.

For each window the map offers, the candidate models and three-year counts are backtested
on the last stretch of the data (rolling origins, the map's cell size, categories and
coverage), and the result is recorded with all its settings
(:func:`patrolgate.oversight.algorithm.record_backtest`, purpose ``map:<window>``). The
map, the accuracy API and the algorithm record read that record; the baseline gate
(:func:`patrolgate.oversight.algorithm.model_in_use`) picks the model the map shows. When a
window's model stops beating counts, oversight is notified in the audit trail.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from patrolgate.events.points import EventPoints
from patrolgate.events.taxonomy import SERIOUS_VIOLENCE, Category
from patrolgate.forecast import DEFAULT_MODEL, ForecastError, backtest, make_model
from patrolgate.forecast.results import BASELINE, result_document
from patrolgate.geo.grid import Grid
from patrolgate.oversight.algorithm import (
    FALLBACK_STATEMENT,
    MAP_PURPOSE,
    latest_backtest,
    model_in_use,
    record_backtest,
)
from patrolgate.picture.windows import MAP_COVERAGE, MapWindow, kind_of
from patrolgate.settings import Settings
from patrolgate.store import Database
from patrolgate.store.audit_repository import append_entry
from patrolgate.store.tables import EventRow
from patrolgate.timekeeping import window_at

log = logging.getLogger("patrolgate.picture")

#: The audit action of an oversight notification.
NOTIFIED = "oversight.notified"
#: Models compared on the map's windows: three-year counts and the library's default.
CANDIDATES = tuple(dict.fromkeys((BASELINE, DEFAULT_MODEL)))


@dataclass(frozen=True)
class MapBacktestPlan:
    """How much of the data's end each map window's backtest covers, and its refits."""

    span: timedelta
    refit: str


#: The last stretch of the data each window's backtest scores (enough windows to bootstrap)
#: and how often it refits (each refit is a full fit: they dominate the time it takes).
PLANS: dict[MapWindow, MapBacktestPlan] = {
    MapWindow.SHIFT: MapBacktestPlan(timedelta(days=28), "28d"),
    MapWindow.DAY: MapBacktestPlan(timedelta(days=91), "91d"),
    MapWindow.WEEK: MapBacktestPlan(timedelta(days=26 * 7), "91d"),
    MapWindow.MONTH: MapBacktestPlan(timedelta(days=366), "183d"),
}


def data_version(database: Database, categories: frozenset[Category]) -> dict[str, Any]:
    """A digest of the located events of ``categories``: their count, newest id and end."""
    with database.sessions() as session:
        count, newest, last = session.execute(
            select(func.count(), func.max(EventRow.id), func.max(EventRow.t_end)).where(
                EventRow.category.in_(sorted(c.value for c in categories)),
                EventRow.x.is_not(None),
            )
        ).one()
    text = f"events:{count}:{newest}:{last}"
    return {
        "digest": hashlib.sha256(text.encode()).hexdigest(),
        "events": int(count),
        "newest_event_id": newest,
        "last_event_end": None if last is None else str(last),
    }


def _plan_period(
    window: MapWindow, data_end: datetime, settings: Settings
) -> tuple[datetime, datetime]:
    """From the start of the window holding ``data_end - span`` to the data's end (the
    backtest scores the whole windows in between)."""
    start = window_at(data_end - PLANS[window].span, kind_of(window), settings.tz)[0]
    return start, data_end


def record_map_backtests(
    database: Database,
    settings: Settings,
    *,
    events: EventPoints,
    grid: Grid,
    data_end: datetime,
    now: datetime,
    windows: tuple[MapWindow, ...] = tuple(MapWindow),
    progress: Callable[[str], None] | None = None,
) -> dict[MapWindow, int]:
    """Backtest and record every map window whose data changed; returns the record ids.

    A window already recorded with the same data digest and settings is not run again
    (another worker, or an earlier refresh, did it).
    """
    version = data_version(database, SERIOUS_VIOLENCE)
    recorded: dict[MapWindow, int] = {}
    for window in windows:
        purpose = f"{MAP_PURPOSE}{window.value}"
        previous = latest_backtest(database, purpose)
        start, end = _plan_period(window, data_end, settings)
        if previous is not None and (previous.get("data") or {}).get("digest") == version["digest"]:
            recorded[window] = int(previous["id"])
            continue
        if progress is not None:
            local = (start.astimezone(settings.tz), end.astimezone(settings.tz))
            progress(
                f"backtesting the map's {window.value} windows, "
                f"{local[0]:%Y-%m-%d} to {local[1]:%Y-%m-%d}"
            )
        models = {
            name: make_model(name, timezone=settings.timezone, **_window_params(name, window))
            for name in CANDIDATES
        }
        try:
            result = backtest(
                models,
                events,
                grid,
                start=start,
                end=end,
                window=kind_of(window),
                refit=_cadence(PLANS[window].refit),
                coverage=MAP_COVERAGE,
                timezone=settings.timezone,
            )
        except ForecastError as error:
            log.warning("map backtest of %s windows failed: %s", window.value, error)
            continue
        document = result_document(
            result,
            command=f"the map's recorded backtest ({window.value} windows)",
            categories=sorted(c.value for c in SERIOUS_VIOLENCE),
            cell_size=grid.cell_size,
            data=version,
        )
        record_id = record_backtest(database, document, now, purpose)
        recorded[window] = record_id
        notify_if_fallen_back(database, window, previous, document, now)
    return recorded


def _cadence(text: str) -> float | str:
    return text if text == "month" else float(text.rstrip("d"))


def _window_params(name: str, window: MapWindow) -> dict[str, Any]:
    days = {MapWindow.SHIFT: 1 / 3, MapWindow.DAY: 1.0, MapWindow.WEEK: 7.0}.get(window, 30.0)
    return {"window_days": days} if name in ("ensemble", "learned") else {}


def notify_if_fallen_back(
    database: Database,
    window: MapWindow,
    previous: dict[str, Any] | None,
    document: dict[str, Any],
    now: datetime,
) -> None:
    """An ``oversight.notified`` entry when a window's model stops beating counts."""
    was = model_in_use(previous) if previous is not None else None
    if model_in_use(document) != BASELINE or was == BASELINE:
        return
    found = document.get("comparison") or {}
    with database.transaction() as session:
        append_entry(
            session,
            recorded_at=now,
            actor=None,
            action=NOTIFIED,
            subject=f"forecast:{window.value}",
            reason=f"baseline gate: {FALLBACK_STATEMENT}",
            payload={
                "monitor": "forecast-baseline-gate",
                "window": window.value,
                "winner": found.get("winner"),
                "margin": found.get("margin"),
                "coverage": found.get("coverage"),
                "previous_model": was,
            },
        )
