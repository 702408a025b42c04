"""Deployments on the real Chicago history, made through the workflow's own services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from patrolgate.intelligence import Grading, IntelligenceSummary
from patrolgate.store import Database
from patrolgate.store.tables import AreaRow
from patrolgate.store.workflow_tables import DeploymentRow, UserRow
from patrolgate.workflow import ImpactAssessment, Rationale, Workflow, read_document

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

#: login: (role, rank)
CAST: dict[str, tuple[str, str]] = {
    "analyst1": ("analyst", "staff"),
    "proposer1": ("proposer", "inspector"),
    "sfc.adams": ("strategic-commander", "chief-superintendent"),
    "community1": ("community-officer", "constable"),
}


@dataclass
class Clock:
    """A clock the tests move by hand."""

    now: datetime = field(default_factory=lambda: datetime(2016, 7, 1, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now


def make_workflow(database: Database, clock: Clock) -> Workflow:
    """A workflow over ``database`` (areas and events already imported) with its users."""
    workflow = Workflow(database=database, clock=clock)
    with database.sessions() as session:
        if session.get(UserRow, "admin") is not None:
            return workflow
    workflow.add_user(None, "admin", role="admin", rank="staff")
    for login, (role, rank) in CAST.items():
        workflow.add_user("admin", login, role=role, rank=rank)
    with database.sessions() as session:
        districts = list(session.scalars(select(AreaRow.code)))
    for code in districts:
        workflow.add_user(
            "admin",
            f"bc.{code}",
            role="borough-commander",
            rank="chief-superintendent",
            borough_code=code,
        )
    return workflow


def box(lon: float, lat: float, half_width: float, half_height: float) -> dict[str, Any]:
    """A WGS84 rectangle around (lon, lat) as a GeoJSON polygon."""
    ring = [
        [lon - half_width, lat - half_height],
        [lon + half_width, lat - half_height],
        [lon + half_width, lat + half_height],
        [lon - half_width, lat + half_height],
        [lon - half_width, lat - half_height],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def ended_deployment(
    workflow: Workflow,
    clock: Clock,
    *,
    geojson: dict[str, Any],
    start: datetime,
    hours: float,
    district: str,
    profile: str = "armed-patrol",
    revoked_after_seconds: float | None = None,
) -> str:
    """Propose, authorise and run a deployment, then move the clock past its end (revoking
    it ``revoked_after_seconds`` after its start when given)."""
    clock.now = start - timedelta(hours=2)
    intel = workflow.add_intelligence(
        "analyst1",
        IntelligenceSummary(
            area_codes=(district,),
            valid_from=clock.now - timedelta(hours=1),
            valid_to=start + timedelta(hours=hours + 24),
            grading=Grading.of("1", "A", "P"),
            text="Retaliation between groups expected in this area this weekend.",
        ),
    )
    criterion = {
        "armed-patrol": "operational-contingency",
        "s60-statutory": "serious-violence-may-occur",
    }[profile]
    base = read_document(Rationale, EXAMPLES / "rationale.toml")
    deployment = workflow.propose(
        "proposer1",
        profile=profile,
        start=start,
        end=start + timedelta(hours=hours),
        trigger="imminent-intelligence",
        rationale=base.model_copy(
            update={"criterion": criterion, "rights_consideration": "Assembly respected."}
        ),
        geojson=geojson,
        intelligence_ids=[intel],
    )
    with workflow.database.sessions() as session:
        row = session.get(DeploymentRow, deployment)
        touched = list(row.borough_codes) if row is not None else []
    for code in touched:
        workflow.consult(f"bc.{code}", deployment, outcome="support", notes="District supports.")
    workflow.assess_impact(
        "sfc.adams",
        deployment,
        read_document(ImpactAssessment, EXAMPLES / "impact-assessment.toml"),
    )
    workflow.authorise(
        "sfc.adams",
        deployment,
        grounds="Reliable intelligence of imminent serious violence in this ward.",
    )
    if revoked_after_seconds is not None:
        clock.now = start + timedelta(seconds=revoked_after_seconds)
        workflow.revoke("sfc.adams", deployment, reason="The threat receded at once.")
    clock.now = start + timedelta(hours=hours, minutes=1)
    return deployment
