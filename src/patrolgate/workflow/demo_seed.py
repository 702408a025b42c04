"""Demo users, intelligence and deployments in different states, on the demo's London areas."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from patrolgate.errors import InvalidInput
from patrolgate.intelligence import Grading, IntelligenceSummary
from patrolgate.settings import Settings
from patrolgate.store import Database
from patrolgate.store.tables import AreaRow
from patrolgate.store.workflow_tables import DeploymentRow, UserRow
from patrolgate.workflow.context import ForecastSnapshot
from patrolgate.workflow.documents import Debrief, ImpactAssessment, Rationale, parse_document
from patrolgate.workflow.errors import PolicyViolation
from patrolgate.workflow.service import Workflow

LAMBETH, SOUTHWARK, HACKNEY = "E09000022", "E09000028", "E09000012"

#: login: (role, rank, borough)
DEMO_USERS: dict[str, tuple[str, str, str | None]] = {
    "analyst1": ("analyst", "staff", None),
    "proposer1": ("proposer", "inspector", None),
    "bc.lambeth": ("borough-commander", "chief-superintendent", LAMBETH),
    "bc.southwark": ("borough-commander", "chief-superintendent", SOUTHWARK),
    "bc.hackney": ("borough-commander", "chief-superintendent", HACKNEY),
    "insp1": ("tactical-commander", "inspector", None),
    "tfc1": ("tactical-commander", "superintendent", None),
    "sfc.adams": ("strategic-commander", "chief-superintendent", None),
    "sfc.cdr": ("strategic-commander", "commander", None),
    "community1": ("community-officer", "constable", None),
    "oversight1": ("oversight", "staff", None),
}

_NDM = {
    "information": "Graded summaries report an expected retaliatory attack in this area "
    "over the coming hours; recent knife and gun violence is concentrated here.",
    "threat_and_risk": "Threat of serious injury to the public; highest in the evening. "
    "Working strategy: prevent, deter, reassure.",
    "powers_and_policy": "The power and criterion named in this proposal; authorisation "
    "by the rank the policy profile requires.",
    "options": "Unarmed patrol, targeted enforcement and schools liaison considered; "
    "they continue alongside but do not meet the imminent threat.",
    "action_and_review": "Shortest period the intelligence supports; review each shift; "
    "stand down as soon as the threat reduces.",
}
_PLAN = {
    "proportionate": "Smallest area and shortest period the intelligence supports.",
    "legal": "The statute or code named by the policy profile.",
    "accountable": "Every decision is recorded in the audit trail and debriefed.",
    "necessary": "Less intrusive options alone do not meet the imminent threat.",
}


def _rationale(criterion: str, summary: str) -> Rationale:
    data: dict[str, Any] = {
        "criterion": criterion,
        "summary": summary,
        "ndm": _NDM,
        "plan": _PLAN,
        "less_intrusive_options": [
            {
                "option": "Unarmed high-visibility patrol",
                "why_not_enough": "Would not deter the violence the intelligence describes.",
            }
        ],
    }
    return parse_document(Rationale, data, "demo rationale")


def _impact(next_review: datetime) -> ImpactAssessment:
    data: dict[str, Any] = {
        "area_and_intelligence_basis": "The ward named in the proposal; graded summaries 1A.",
        "communities_affected": "Residents, night-time economy, young people passing through.",
        "current_tensions": "Moderate, after recent stop and search complaints.",
        "expected_impact": "Reassurance for some; fear and lower trust for young residents.",
        "equality_impact": "Risk of disproportionate effect on young Black men; monitored.",
        "engagement": {
            "borough": "Borough commander consulted.",
            "independent_advisory_group": "IAG chair briefed.",
            "community_monitoring_group": "Invited to observe and review the debrief.",
        },
        "mitigations": ["Area-based briefing", "Monitoring group observers", "Public notice"],
        "residual_risk": "medium",
        "owner": "sfc.adams",
        "next_review": next_review.isoformat(),
        "public_notice_before": "Ward panel chairs and borough social media told at the start.",
    }
    return parse_document(ImpactAssessment, data, "demo impact assessment")


def _ward(database: Database, borough: str) -> str:
    with database.sessions() as session:
        code = session.scalars(
            select(AreaRow.code)
            .where(AreaRow.level == "ward", AreaRow.parent_code == borough)
            .order_by(AreaRow.code)
        ).first()
    if code is None:
        raise InvalidInput(
            f"the demo deployments need the London wards of borough {borough}; import "
            "boroughs and wards first"
        )
    return code


def _intel(workflow: Workflow, area: str, start: datetime, text: str, handling: str = "P") -> str:
    summary = IntelligenceSummary(
        area_codes=(area,),
        valid_from=start - timedelta(hours=6),
        valid_to=start + timedelta(days=3),
        grading=Grading.of(1, "A", handling),
        text=text,
    )
    return workflow.add_intelligence("analyst1", summary)


def seed_demo_deployments(
    database: Database, settings: Settings, *, forecast: ForecastSnapshot | None = None
) -> list[str]:
    """Seed users, intelligence and three deployments (expired and debriefed, active,
    refused), each through the rules in force; idempotent.

    ``forecast`` (the intelligence picture's snapshot, fitted at the demo's clock) is
    attached to the two proposals made in the last hours, as a real proposal would carry
    it; the one made ten days ago gets none, since a picture fitted today would know its
    future.

    The s60 authorisation was given by an inspector over the Southwark commander's
    objection: he answered it in writing first, and a superintendent was told (s60(3A)).
    The armed patrol is running under a commander's grounds; the Hackney proposal was
    refused because no community impact assessment was recorded. Returns the ids of the
    demo deployments (the existing ones if already seeded).
    """
    with database.sessions() as session:
        if session.get(UserRow, "sfc.adams") is not None:
            return list(
                session.scalars(select(DeploymentRow.id).order_by(DeploymentRow.created_at))
            )
    now = settings.clock_now()
    wards = {b: _ward(database, b) for b in (LAMBETH, SOUTHWARK, HACKNEY)}
    clock = [now - timedelta(days=10)]
    workflow = Workflow(database=database, clock=lambda: clock[0], timezone=settings.tz)
    with database.sessions() as session:
        first_user = session.scalars(select(UserRow.login).limit(1)).first()
    if first_user is None:
        workflow.add_user(None, "admin", role="admin", rank="staff")
        first_user = "admin"
    for login, (role, rank, borough) in DEMO_USERS.items():
        workflow.add_user(first_user, login, role=role, rank=rank, borough_code=borough)

    # Expired: an s60 authorisation ten days ago, in Southwark, run to its end and debriefed.
    start = clock[0] + timedelta(hours=2)
    intel = _intel(workflow, wards[SOUTHWARK], start, "Weapons reported carried around the estate.")
    expired = workflow.propose(
        "proposer1",
        profile="s60-statutory",
        start=start,
        end=start + timedelta(hours=18),
        trigger="imminent-intelligence",
        area_codes=[wards[SOUTHWARK]],
        intelligence_ids=[intel],
        rationale=_rationale("weapons-carried", "Weapons reported carried in the locality."),
    )
    workflow.consult(
        "bc.southwark",
        expired,
        outcome="object",
        notes="Objects: recent searches in this ward have strained trust; prefer patrols.",
    )
    objection = workflow.show_deployment("insp1", expired)["consultations"][0]["id"]
    workflow.respond(
        "insp1",
        expired,
        concerning="objection",
        consultation_id=objection,
        text="Patrols alone do not address the weapons reported; the period is kept short "
        "and searches are briefed on the code of practice, with the borough told hourly.",
    )
    workflow.authorise(
        "insp1",
        expired,
        grounds="Graded intelligence (1A) that knives are being carried around the estate "
        "tonight; s60(1)(b) test met for this ward for 18 hours.",
        conditions="Brief on s60 code of practice",
    )
    clock[0] += timedelta(hours=1)
    workflow.record_notice("tfc1", expired, informed="tfc1", note="Told by telephone.")
    clock[0] = start + timedelta(hours=30)
    workflow.debrief("proposer1", expired, _debrief())

    # Active: an armed patrol authorised three hours ago in Lambeth, running now.
    clock[0] = now - timedelta(hours=3)
    workflow.forecast = forecast
    start = now - timedelta(hours=2)
    intel = _intel(
        workflow, wards[LAMBETH], start, "Retaliation between groups expected tonight.", "C"
    )
    active = workflow.propose(
        "proposer1",
        profile="armed-patrol",
        start=start,
        end=start + timedelta(hours=12),
        trigger="imminent-intelligence",
        area_codes=[wards[LAMBETH]],
        intelligence_ids=[intel],
        rationale=_rationale("operational-contingency", "Serious gang violence judged imminent."),
    )
    workflow.consult(
        "bc.lambeth", active, outcome="concerns", notes="Supports; engage youth groups."
    )
    workflow.assess_impact("sfc.adams", active, _impact(now + timedelta(days=1)))
    workflow.authorise(
        "sfc.adams",
        active,
        grounds="Reliable intelligence (1A) of an imminent retaliatory shooting in this ward; "
        "unarmed options do not meet the threat; the smallest area for 12 hours.",
        conditions="Review at each shift change",
    )

    # Refused: no community impact assessment, so the authorisation is refused on the record.
    clock[0] = now - timedelta(minutes=30)
    start = now + timedelta(hours=4)
    intel = _intel(workflow, wards[HACKNEY], start, "Serious violence expected after an event.")
    refused = workflow.propose(
        "proposer1",
        profile="armed-patrol",
        start=start,
        end=start + timedelta(hours=8),
        trigger="imminent-intelligence",
        area_codes=[wards[HACKNEY]],
        intelligence_ids=[intel],
        rationale=_rationale("operational-contingency", "Serious violence judged imminent."),
    )
    workflow.consult("bc.hackney", refused, outcome="support", notes="Borough supports.")
    with contextlib.suppress(PolicyViolation):  # the refusal is recorded in the audit trail
        workflow.authorise(
            "sfc.adams",
            refused,
            grounds="Serious violence is expected after the event; armed officers deter it.",
        )
    clock[0] = now
    workflow.sweep()
    return [expired, active, refused]


def _debrief() -> Debrief:
    data: dict[str, Any] = {
        "summary": "Searches ran in the authorised ward and hours; no serious violence.",
        "patrol_conformance": "Patrol records match the authorised area and period.",
        "outcomes": {"stops": 14, "arrests": 1, "weapons_recovered": 1},
        "community_feedback": "Mixed: some reassurance, concern from young residents.",
        "complaints_received": 0,
        "public_notice_after": "Borough social media and the ward panel told the next day.",
    }
    return parse_document(Debrief, data, "demo debrief")
