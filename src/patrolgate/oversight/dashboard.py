"""The oversight dashboard's figures, built once per minute and per change of what they read.

The dashboard (rarity, notifications, overdue tasks, patrol tracking, community confidence)
reads the deployments and the audit trail, the unit pings and the survey results, and the
clock. Every state change of a deployment, and every notification, is an audit entry, so the
newest entry's sequence number says whether the first two changed; the pings and the survey
results (imported, not audited) are told by their row count and newest id. The page states
its time to the minute, so within a minute and without a change the figures are the same and
are served from memory: a change is seen by the next request; the next minute's figures are
built in the background while the last minute's are served.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from patrolgate.oversight.confidence import community_confidence
from patrolgate.oversight.rarity import monitor, notifications
from patrolgate.oversight.tracking import track_all
from patrolgate.store import Database
from patrolgate.store.audit_tables import AuditHeadRow
from patrolgate.store.oversight_tables import PasResultRow, UnitPingRow
from patrolgate.workflow.context import WorkflowContext
from patrolgate.workflow.tasks import overdue_tasks

#: How many notifications the dashboard lists.
NOTIFICATIONS_SHOWN = 50


def data_signature(database: Database) -> tuple[Any, ...]:
    """What the dashboard reads, in four indexed queries: the audit trail's head, and the
    count and newest id of the pings and of the survey results."""
    with database.sessions() as session:
        head = session.scalar(select(AuditHeadRow.seq))
        pings = session.execute(select(func.count(), func.max(UnitPingRow.id))).one()
        surveys = session.execute(select(func.count(), func.max(PasResultRow.id))).one()
    return (str(database.url), head, tuple(pings), tuple(surveys))


def build_dashboard(
    database: Database, workflow: WorkflowContext, now: datetime, timezone: ZoneInfo
) -> dict[str, Any]:
    """The dashboard's figures at ``now`` (the template's context)."""
    rarity = monitor(database, now)
    tracking = [t.as_dict() for t in track_all(database, now)]
    confidence = community_confidence(database, now - timedelta(days=365), now, now=now)
    return {
        "now_local": now.astimezone(timezone).strftime("%a %d %b %Y %H:%M %Z"),
        "rarity": rarity,
        "breaches": rarity.breaches,
        "notifications": notifications(database, limit=NOTIFICATIONS_SHOWN),
        "overdue": overdue_tasks(workflow),
        "tracking": tracking,
        "flagged": sum(len(t["flags"]) for t in tracking),
        "confidence": confidence,
    }


class DashboardCache:
    """The last dashboard built, keyed on the data's signature and the minute it was for.

    When only the minute moved on (by one), the last minute's figures are served while the
    new minute's are built in the background, so that no request waits for the clock; a
    change of the data is built at once, by the request that sees it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[Any, ...] | None = None
        self._value: dict[str, Any] | None = None
        self._building: tuple[Any, ...] | None = None

    def dashboard(
        self, database: Database, workflow: WorkflowContext, now: datetime, timezone: ZoneInfo
    ) -> dict[str, Any]:
        """The figures for ``now``'s minute, built only when the data or the minute changed."""
        minute = now.replace(second=0, microsecond=0)
        key = (*data_signature(database), str(timezone), minute)
        with self._lock:
            if self._value is not None and self._key is not None:
                if key == self._key:
                    return self._value
                if key[:-1] == self._key[:-1] and minute - self._key[-1] == timedelta(minutes=1):
                    if self._building != key:
                        self._building = key
                        threading.Thread(
                            target=self._build,
                            args=(key, database, workflow, now, timezone),
                            daemon=True,
                        ).start()
                    return self._value
        return self._build(key, database, workflow, now, timezone)

    def _build(
        self,
        key: tuple[Any, ...],
        database: Database,
        workflow: WorkflowContext,
        now: datetime,
        timezone: ZoneInfo,
    ) -> dict[str, Any]:
        try:
            value = build_dashboard(database, workflow, now, timezone)
        finally:
            with self._lock:
                if self._building == key:
                    self._building = None
        with self._lock:
            # Whichever build ends last is kept: each value is exactly its key's, so a request
            # whose key differs builds its own (an older one costs a build, never a stale page).
            self._key, self._value = key, value
        return value


#: The service's dashboards (one database per process).
DASHBOARDS = DashboardCache()
