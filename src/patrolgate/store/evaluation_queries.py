"""Read-only queries for evaluation: deployments with their area, window, profile and state."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from patrolgate.store.database import Database
from patrolgate.store.workflow_tables import DeploymentRow


@dataclass
class StoredDeployment:
    """What the evaluation reads of a deployment: a copy, so the row itself stays untouched.

    Not frozen, because the workflow's ``Timed`` protocol (for the clock's transitions)
    declares plain attributes.
    """

    id: str
    profile: str
    state: str
    end_reason: str | None
    geometry: dict[str, Any]
    start: datetime
    end: datetime
    ended_at: datetime | None
    authorised_at: datetime | None
    urgent: bool
    ratified_at: datetime | None
    ratification_due: datetime | None


def _stored(row: DeploymentRow) -> StoredDeployment:
    return StoredDeployment(
        id=row.id,
        profile=row.profile_name,
        state=row.state,
        end_reason=row.end_reason,
        geometry=dict(row.geometry),
        start=row.start,
        end=row.end,
        ended_at=row.ended_at,
        authorised_at=row.authorised_at,
        urgent=row.urgent,
        ratified_at=row.ratified_at,
        ratification_due=row.ratification_due,
    )


def load_deployment(database: Database, deployment_id: str) -> StoredDeployment | None:
    """One deployment by identifier, or None."""
    with database.sessions() as session:
        row = session.get(DeploymentRow, deployment_id)
        return None if row is None else _stored(row)


def authorised_deployments(
    database: Database, profiles: Sequence[str] | None = None
) -> list[StoredDeployment]:
    """Every deployment ever authorised (optionally of some profiles), oldest start first."""
    query = (
        select(DeploymentRow)
        .where(DeploymentRow.authorised_at.is_not(None))
        .order_by(DeploymentRow.start, DeploymentRow.id)
    )
    if profiles:
        query = query.where(DeploymentRow.profile_name.in_(list(profiles)))
    with database.sessions() as session:
        return [_stored(row) for row in session.scalars(query)]
