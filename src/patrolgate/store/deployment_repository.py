"""Loading deployments with what the rules need, and the queries the workflow asks."""

from __future__ import annotations

import hashlib
import secrets
import threading
import weakref
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Engine, func, or_, select, text
from sqlalchemy.orm import Session

from patrolgate.store.audit_tables import AuditEntryRow
from patrolgate.store.tables import AreaRow
from patrolgate.store.workflow_tables import (
    ConsultationRow,
    DeploymentIntelligenceRow,
    DeploymentRow,
    ExtensionRow,
    IntelligenceRow,
    OversightApprovalRow,
    ResponseRow,
    TaskRow,
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


#: A deployment's (version, updated_at, last audit sequence number naming it).
DeploymentStamp = tuple[int, datetime, int | None]


def deployment_stamp(session: Session, deployment_id: str) -> DeploymentStamp | None:
    """A deployment's version, last update and last audit entry naming it (one query), or
    None if there is no such deployment: what changes whenever anything shown of it does."""
    last_entry = (
        select(func.max(AuditEntryRow.seq))
        .where(AuditEntryRow.deployment_id == DeploymentRow.id)
        .scalar_subquery()
    )
    found = session.execute(
        select(DeploymentRow.version, DeploymentRow.updated_at, last_entry).where(
            DeploymentRow.id == deployment_id
        )
    ).first()
    if found is None:
        return None
    version, updated_at, seq = found
    return int(version), updated_at, None if seq is None else int(seq)


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


def rarity_candidates(
    session: Session,
    profile_name: str,
    borough_codes: Iterable[str],
    window_start: datetime,
    window_end: datetime,
    exclude_id: str,
    now: datetime,
) -> list[DeploymentRow]:
    """Deployments under ``profile_name`` sharing a borough whose period overlaps the
    window: every one ever authorised, and every one submitted whose period has not ended
    (pending authorisation)."""
    wanted = set(borough_codes)
    rows = session.scalars(
        select(DeploymentRow).where(
            DeploymentRow.profile_name == profile_name,
            DeploymentRow.id != exclude_id,
            DeploymentRow.start < window_end,
            func.coalesce(DeploymentRow.ended_at, DeploymentRow.end) > window_start,
            or_(
                DeploymentRow.authorised_at.is_not(None),
                (DeploymentRow.state == "submitted") & (DeploymentRow.end > now),
            ),
        )
    )
    return [r for r in rows if wanted & set(r.borough_codes)]


def lock_rarity(session: Session, keys: Iterable[str]) -> None:
    """Serialise decisions on the same rarity counts until the transaction ends.

    PostgreSQL: a transaction-scoped advisory lock per key, taken in sorted order so two
    decisions never wait on each other. SQLite already lets one writer in at a time (the
    writer lock and ``BEGIN IMMEDIATE``), so there is nothing more to take.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in sorted(set(keys)):
        number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": number})


def responses(session: Session, deployment_id: str) -> list[ResponseRow]:
    """Written responses to objections and high residual risk, oldest first."""
    return list(
        session.scalars(
            select(ResponseRow)
            .where(ResponseRow.deployment_id == deployment_id)
            .order_by(ResponseRow.id)
        )
    )


def tasks(session: Session, deployment_id: str) -> list[TaskRow]:
    """Tasks owed on a deployment, oldest first."""
    return list(
        session.scalars(
            select(TaskRow).where(TaskRow.deployment_id == deployment_id).order_by(TaskRow.id)
        )
    )


def task(session: Session, deployment_id: str, kind: str) -> TaskRow | None:
    """A deployment's task of one kind, if any."""
    return session.scalars(
        select(TaskRow).where(TaskRow.deployment_id == deployment_id, TaskRow.kind == kind)
    ).first()


def open_tasks(session: Session, due_by: datetime | None = None) -> list[TaskRow]:
    """Tasks not done (and, with ``due_by``, due by then and not yet flagged), by due time."""
    query = select(TaskRow).where(TaskRow.done_at.is_(None)).order_by(TaskRow.due_at, TaskRow.id)
    if due_by is not None:
        query = query.where(TaskRow.due_at <= due_by, TaskRow.flagged_at.is_(None))
    return list(session.scalars(query))


def approvals(session: Session, deployment_id: str) -> list[OversightApprovalRow]:
    """Oversight's pre-approvals of a deployment, oldest first."""
    return list(
        session.scalars(
            select(OversightApprovalRow)
            .where(OversightApprovalRow.deployment_id == deployment_id)
            .order_by(OversightApprovalRow.id)
        )
    )


def redact_decision_texts(session: Session, deployment_id: str, marker: str) -> None:
    """Replace the free text of a deployment's responses, tasks and pre-approvals (and its
    grounds) with ``marker``: retention's part for the records of this module."""
    row = session.get(DeploymentRow, deployment_id)
    if row is not None and row.grounds:
        row.grounds = marker
    for response in responses(session, deployment_id):
        response.text = marker
    for owed in tasks(session, deployment_id):
        if owed.note:
            owed.note = marker
    for approval in approvals(session, deployment_id):
        approval.reason = marker


#: Area names by code, per engine, kept for the process: a name changes only when the
#: boundaries are imported again (which forgets them here; another process's import shows
#: after a restart); a code not found yet is asked again.
_AREA_NAMES: weakref.WeakKeyDictionary[Engine, dict[str, str]] = weakref.WeakKeyDictionary()
_AREA_NAMES_LOCK = threading.Lock()


def forget_area_names(session: Session) -> None:
    """Drop the cached area names of the session's database (its areas were replaced)."""
    with _AREA_NAMES_LOCK:
        _AREA_NAMES.pop(session.get_bind().engine, None)


def area_names(session: Session, codes: Sequence[str]) -> dict[str, str]:
    """Names of the areas with these codes."""
    if not codes:
        return {}
    engine = session.get_bind().engine
    with _AREA_NAMES_LOCK:
        known = _AREA_NAMES.setdefault(engine, {})
        names = {code: known[code] for code in codes if code in known}
    missing = [code for code in codes if code not in names]
    if missing:
        rows = session.execute(select(AreaRow.code, AreaRow.name).where(AreaRow.code.in_(missing)))
        found = {str(code): str(name) for code, name in rows}
        with _AREA_NAMES_LOCK:
            known.update(found)
        names.update(found)
    return names


def deployment_ids(session: Session, states: Sequence[str] | None = None) -> list[str]:
    """Identifiers of deployments, newest first, optionally only in some stored states."""
    query = select(DeploymentRow.id).order_by(DeploymentRow.created_at.desc(), DeploymentRow.id)
    if states:
        query = query.where(DeploymentRow.state.in_(list(states)))
    return list(session.scalars(query))
