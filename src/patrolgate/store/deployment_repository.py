"""Loading deployments with what the rules need, and the queries the workflow asks."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from patrolgate.store.tables import AreaRow
from patrolgate.store.workflow_tables import (
    ConsultationRow,
    DeploymentIntelligenceRow,
    DeploymentRow,
    ExtensionRow,
    IntelligenceRow,
)


def new_id(prefix: str) -> str:
    """A short random identifier such as ``dep-3f9a2c1b``."""
    return f"{prefix}-{secrets.token_hex(4)}"


def linked_intelligence(session: Session, deployment_id: str) -> list[IntelligenceRow]:
    """The intelligence summaries a deployment relies on."""
    return list(
        session.scalars(
            select(IntelligenceRow)
            .join(
                DeploymentIntelligenceRow,
                DeploymentIntelligenceRow.intelligence_id == IntelligenceRow.id,
            )
            .where(DeploymentIntelligenceRow.deployment_id == deployment_id)
            .order_by(IntelligenceRow.id)
        )
    )


def consultations(session: Session, deployment_id: str) -> list[ConsultationRow]:
    """Consultations on a deployment, oldest first."""
    return list(
        session.scalars(
            select(ConsultationRow)
            .where(ConsultationRow.deployment_id == deployment_id)
            .order_by(ConsultationRow.id)
        )
    )


def extensions(session: Session, deployment_id: str) -> list[ExtensionRow]:
    """Extensions of a deployment, oldest first."""
    return list(
        session.scalars(
            select(ExtensionRow)
            .where(ExtensionRow.deployment_id == deployment_id)
            .order_by(ExtensionRow.id)
        )
    )


def authorised_overlapping(
    session: Session,
    borough_codes: Iterable[str],
    window_start: datetime,
    window_end: datetime,
    exclude_id: str,
) -> list[DeploymentRow]:
    """Deployments ever authorised that share a borough and overlap the window."""
    wanted = set(borough_codes)
    rows = session.scalars(
        select(DeploymentRow).where(
            DeploymentRow.authorised_at.is_not(None),
            DeploymentRow.id != exclude_id,
            DeploymentRow.start < window_end,
            func.coalesce(DeploymentRow.ended_at, DeploymentRow.end) > window_start,
        )
    )
    return [r for r in rows if wanted & set(r.borough_codes)]


def area_names(session: Session, codes: Sequence[str]) -> dict[str, str]:
    """Names of the areas with these codes."""
    if not codes:
        return {}
    rows = session.execute(select(AreaRow.code, AreaRow.name).where(AreaRow.code.in_(codes)))
    return {str(code): str(name) for code, name in rows}


def deployment_ids(session: Session, states: Sequence[str] | None = None) -> list[str]:
    """Identifiers of deployments, newest first, optionally only in some stored states."""
    query = select(DeploymentRow.id).order_by(DeploymentRow.created_at.desc(), DeploymentRow.id)
    if states:
        query = query.where(DeploymentRow.state.in_(list(states)))
    return list(session.scalars(query))
