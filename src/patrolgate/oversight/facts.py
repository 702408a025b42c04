"""What oversight reads of a deployment: when powers were in force, where, and what was done.

Read-only: oversight never changes a deployment. Only deployments that were authorised
(normally or on the urgent path) count as exceptional powers used.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from patrolgate.errors import InvalidInput, PatrolGateError
from patrolgate.policy import PolicyProfile, load_profile
from patrolgate.store import Database
from patrolgate.store.tables import AreaRow
from patrolgate.store.workflow_tables import (
    ConsultationRow,
    DeploymentRow,
    ExtensionRow,
    ResponseRow,
)
from patrolgate.workflow.lifecycle import clock_events, effective_state

SECONDS_PER_HOUR = 3600.0


@dataclass(frozen=True)
class Deployed:
    """One authorised deployment as oversight sees it (times in UTC)."""

    id: str
    profile_name: str
    trigger: str
    area_codes: tuple[str, ...]
    borough_codes: tuple[str, ...]
    geometry: dict[str, Any]
    area_km2: float
    start: datetime
    stop: datetime
    authorised_at: datetime
    state: str
    end_reason: str | None
    urgent: bool
    escalated: bool
    consulted_at: tuple[datetime, ...] = ()
    impact_assessed_at: datetime | None = None
    extended_at: tuple[datetime, ...] = ()
    debriefed_at: datetime | None = None
    outcomes: dict[str, int] = field(default_factory=dict)
    complaints: int | None = None
    needs_consultation: bool = True
    needs_impact_assessment: bool = True
    frozen_profile: dict[str, Any] = field(default_factory=dict, repr=False)
    #: The installed profile version and SHA-256 it was decided under (None before them).
    profile_version: int | None = None
    profile_sha256: str | None = None
    #: The authoriser's grounds, in one line; a consultation objected; each objection
    #: answered in writing by the authoriser before the decision.
    grounds_summary: str | None = None
    objected: bool = False
    objections_answered: bool = False

    def hours_within(self, low: datetime, high: datetime) -> float:
        """Hours under the power inside ``[low, high)``."""
        first, last = max(self.start, low), min(self.stop, high)
        return max((last - first).total_seconds(), 0.0) / SECONDS_PER_HOUR

    def overlaps(self, low: datetime, high: datetime) -> bool:
        """Whether the power was in force at some moment of ``[low, high)``."""
        return self.start < high and self.stop > low


def _stop(row: DeploymentRow, now: datetime) -> datetime:
    """When the power stopped (or is due to stop): the end, a revocation or a lapse."""
    if row.ended_at is not None:
        return min(row.ended_at, row.end)
    events = clock_events(row, now)
    if events and events[-1].end_reason is not None:
        return events[-1].effective_at
    due = row.ratification_due
    if row.urgent and row.ratified_at is None and due is not None and due < row.end:
        return due
    return row.end


def _as_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def load_deployed(database: Database, now: datetime) -> list[Deployed]:
    """Every deployment ever authorised, oldest start first."""
    with database.sessions() as session:
        rows = list(
            session.scalars(
                select(DeploymentRow)
                .where(DeploymentRow.authorised_at.is_not(None))
                .order_by(DeploymentRow.start, DeploymentRow.id)
            )
        )
        consulted: dict[str, list[datetime]] = {}
        objections: dict[str, set[int]] = {}
        for c in session.scalars(select(ConsultationRow).order_by(ConsultationRow.recorded_at)):
            consulted.setdefault(c.deployment_id, []).append(c.recorded_at)
            if c.outcome == "object":
                objections.setdefault(c.deployment_id, set()).add(c.id)
        answered: dict[str, set[int]] = {}
        for r in session.scalars(
            select(ResponseRow).where(ResponseRow.consultation_id.is_not(None))
        ):
            answered.setdefault(r.deployment_id, set()).add(int(r.consultation_id or 0))
        extended: dict[str, list[datetime]] = {}
        for e in session.scalars(select(ExtensionRow).order_by(ExtensionRow.recorded_at)):
            extended.setdefault(e.deployment_id, []).append(e.recorded_at)
    result = []
    for row in rows:
        assert row.authorised_at is not None  # the query's condition
        events = clock_events(row, now)
        end_reason = row.end_reason
        if events and events[-1].end_reason is not None:
            end_reason = events[-1].end_reason.value
        debrief = row.debrief or {}
        requirements = (row.profile or {}).get("requirements") or {}
        raw_outcomes = debrief.get("outcomes") or {}
        outcomes = {str(k): v for k, v in raw_outcomes.items() if _as_int(v) is not None}
        result.append(
            Deployed(
                id=row.id,
                profile_name=row.profile_name,
                trigger=row.trigger,
                area_codes=tuple(row.area_codes),
                borough_codes=tuple(row.borough_codes),
                geometry=row.geometry,
                area_km2=row.area_km2,
                start=row.start,
                stop=_stop(row, now),
                authorised_at=row.authorised_at,
                state=effective_state(row, now).value,
                end_reason=end_reason,
                urgent=row.urgent,
                escalated=row.escalated,
                consulted_at=tuple(consulted.get(row.id, ())),
                impact_assessed_at=row.impact_assessed_at,
                extended_at=tuple(extended.get(row.id, ())),
                debriefed_at=row.debriefed_at,
                outcomes=outcomes,
                complaints=_as_int(debrief.get("complaints_received")),
                needs_consultation=bool(requirements.get("borough_consultation", True)),
                needs_impact_assessment=bool(requirements.get("impact_assessment", True)),
                frozen_profile=row.profile,
                profile_version=row.profile_version,
                profile_sha256=row.profile_sha256,
                grounds_summary=grounds_summary(row.grounds),
                objected=row.id in objections,
                objections_answered=objections.get(row.id, set()) <= answered.get(row.id, set()),
            )
        )
    return result


def grounds_summary(grounds: str | None, limit: int = 160) -> str | None:
    """The authoriser's grounds in one line: the first sentence, at most ``limit`` characters."""
    if not grounds:
        return None
    line = " ".join(grounds.split())
    first = line.split(". ", 1)[0].rstrip(".")
    return first if len(first) <= limit else first[: limit - 1].rsplit(" ", 1)[0] + "…"


def profile_for(deployed: Deployed) -> PolicyProfile:
    """The profile frozen into the deployment (the rules it was decided under), else the
    shipped one of that name."""
    try:
        return PolicyProfile.model_validate(deployed.frozen_profile)
    except ValueError as error:
        try:
            return load_profile(deployed.profile_name)
        except PatrolGateError:
            raise InvalidInput(
                f"deployment {deployed.id}: its profile {deployed.profile_name!r} cannot be read"
            ) from error


def area_rows(
    session: Session, level: str | None = None, *, codes: Collection[str] | None = None
) -> list[AreaRow]:
    """Stored areas: of one level, or with one of ``codes``, or all."""
    query = select(AreaRow).order_by(AreaRow.code)
    if level is not None:
        query = query.where(AreaRow.level == level)
    if codes is not None:
        query = query.where(AreaRow.code.in_(sorted(codes)))
    return list(session.scalars(query))


def borough_names(database: Database) -> dict[str, str]:
    """Names of the stored boroughs by code."""
    with database.sessions() as session:
        return {r.code: r.name for r in area_rows(session, "borough")}
