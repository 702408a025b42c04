"""What every workflow service needs: the database, an injected clock, the force's time zone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from patrolgate.policy import RetentionSchedule, load_retention
from patrolgate.store import Database
from patrolgate.workflow.deployment_reads import LoadedDeployments

#: Called at proposal time with (area GeoJSON geometry, area codes, start, end); returns a
#: JSON-ready forecast snapshot or None. The forecasting package provides one when present.
ForecastSnapshot = Callable[
    [dict[str, Any], tuple[str, ...], datetime, datetime], dict[str, Any] | None
]


@dataclass
class WorkflowContext:
    """The database, the clock (UTC) and the local time zone policy times are read in."""

    database: Database
    clock: Callable[[], datetime]
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/London"))
    forecast: ForecastSnapshot | None = None
    retention: RetentionSchedule = field(default_factory=load_retention)
    #: Deployments as last read for their pages, reused while their stamp holds.
    loaded: LoadedDeployments = field(default_factory=LoadedDeployments, repr=False)

    def now(self) -> datetime:
        """The current time in UTC, from the injected clock."""
        now = self.clock()
        if now.tzinfo is None:
            raise ValueError("the clock must return an aware datetime")
        return now.astimezone(UTC)

    def local(self, instant: datetime) -> str:
        """``instant`` as the force's local time, e.g. ``Sat 28 Mar 2026 20:00 GMT``."""
        return instant.astimezone(self.timezone).strftime("%a %d %b %Y %H:%M %Z")
