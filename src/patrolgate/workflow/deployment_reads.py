"""Deployments as a reader last loaded them, kept per process while their stamp holds.

A deployment page is read far more often than the deployment changes (a live armed patrol
is watched by every officer and commander involved, its countdown refreshed), and reading
it whole costs six queries. Every change to what the page shows writes the deployment row
(its version and ``updated_at``) or an audit entry naming the deployment, in the same
transaction as the change; so one query for that *stamp* says whether the last read still
stands, whichever process made the change. The stamp is read before the rows it guards, so
a change committed in between leaves a stale stamp beside newer rows: the next read sees a
stamp that differs and loads again. Nothing here is ever written back.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from patrolgate.store.workflow_tables import DeploymentRow, TaskRow
from patrolgate.workflow.rules import DeploymentFacts

#: (version, updated_at, last audit sequence number naming the deployment)
Stamp = tuple[int, datetime, int | None]


@dataclass(frozen=True)
class LoadedDeployment:
    """One deployment's rows, read together, with what the clock does not change."""

    stamp: Stamp
    #: Detached from its session; read only.
    row: DeploymentRow
    names: dict[str, str]
    facts: DeploymentFacts
    #: JSON-ready documents, consultations, extensions and timeline.
    details: dict[str, Any]
    #: Tasks owed on it (detached; read only).
    tasks: tuple[TaskRow, ...] = ()


class LoadedDeployments:
    """The last ``capacity`` deployments read, by id; thread-safe."""

    def __init__(self, capacity: int = 512) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[str, LoadedDeployment] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, deployment_id: str, stamp: Stamp) -> LoadedDeployment | None:
        """The deployment as last loaded, if its stamp is still ``stamp``."""
        with self._lock:
            found = self._entries.get(deployment_id)
            if found is None or found.stamp != stamp:
                return None
            self._entries.move_to_end(deployment_id)
            return found

    def put(self, deployment_id: str, loaded: LoadedDeployment) -> None:
        """Keep ``loaded``, forgetting the least recently read beyond the capacity."""
        with self._lock:
            self._entries[deployment_id] = loaded
            self._entries.move_to_end(deployment_id)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
