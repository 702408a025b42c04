"""What a deployment still needs, and which actions a user may take on it now.

An adapter over the workflow's public rules (``patrolgate.workflow.rules``) and lifecycle:
it asks the same questions the services ask, without writing anything, so the UI offers
exactly the actions the user holds the authority for. The services still decide: an
action offered here can be refused there (a missing step), and that refusal is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from patrolgate.policy import PolicyProfile, Role
from patrolgate.store import Database
from patrolgate.store.workflow_tables import DeploymentRow
from patrolgate.workflow import Actor, State
from patrolgate.workflow.acting import facts_of, profile_of
from patrolgate.workflow.errors import NotAuthorised, PolicyViolation
from patrolgate.workflow.lifecycle import ALLOWED_FROM, effective_state
from patrolgate.workflow.proposals import ASSESSORS
from patrolgate.workflow.rules import (
    COMMANDERS,
    DeploymentFacts,
    check_consultee,
    require_authority,
)
from patrolgate.workflow.views import Dossier

#: Every action a deployment page can offer, in the order it shows them.
ACTIONS = (
    "submit",
    "consult",
    "assess-impact",
    "authorise",
    "ratify",
    "extend",
    "complete",
    "revoke",
    "debrief",
)


@dataclass(frozen=True)
class CheckItem:
    """One thing an authorisation needs, done or not."""

    label: str
    done: bool
    detail: str


def checklist(profile: PolicyProfile, facts: DeploymentFacts) -> list[CheckItem]:
    """What must be in place before the deployment can be authorised."""
    req = profile.requirements
    items: list[CheckItem] = []
    if req.borough_consultation:
        consulted = {
            c.borough_code for c in facts.consultations if c.role is Role.BOROUGH_COMMANDER
        }
        for borough in facts.borough_codes:
            items.append(
                CheckItem(
                    f"Consultation: borough commander of {facts.borough_words(borough)}",
                    borough in consulted,
                    "recorded" if borough in consulted else "awaiting the borough commander",
                )
            )
    if req.impact_assessment:
        items.append(
            CheckItem(
                "Community impact assessment",
                facts.impact_assessed,
                "recorded"
                if facts.impact_assessed
                else "awaiting a community officer or the strategic commander",
            )
        )
    if req.public_notice.before:
        items.append(
            CheckItem(
                "Public told in advance (or why not practicable)",
                facts.public_notice_before,
                "recorded in the impact assessment"
                if facts.public_notice_before
                else "to be recorded in the impact assessment",
            )
        )
    if req.min_reliable_intelligence:
        reliable = [
            i
            for i in facts.intelligence
            if req.is_reliable(i.source, i.assessment)
            and i.valid_from < facts.end
            and i.valid_to > facts.start
        ]
        items.append(
            CheckItem(
                f"Intelligence of a reliable grade ({req.reliable_words()}), "
                "valid during the deployment",
                len(reliable) >= req.min_reliable_intelligence,
                f"{len(reliable)} of {req.min_reliable_intelligence} needed linked "
                f"({', '.join(f'{i.source}{i.assessment}' for i in facts.intelligence) or 'none'})",
            )
        )
    items.append(
        CheckItem(
            f"Authoriser: {profile.authorise.describe()}",
            facts.authorised_by is not None,
            f"authorised by {facts.authorised_by}" if facts.authorised_by else "not yet authorised",
        )
    )
    return items


def _holds(check: Any) -> bool:
    try:
        check()
    except (NotAuthorised, PolicyViolation):
        return False
    return True


def may_take(
    profile: PolicyProfile, actor: Actor, row: DeploymentRow, facts: DeploymentFacts, now: datetime
) -> list[str]:
    """Actions the lifecycle allows now and ``actor`` holds the authority for."""
    state = effective_state(row, now)
    offered: list[str] = []
    for action in ACTIONS:
        if state not in ALLOWED_FROM[action]:
            continue
        if _may(action, profile, actor, row, facts):
            offered.append(action)
    return offered


def _may(
    action: str, profile: PolicyProfile, actor: Actor, row: DeploymentRow, facts: DeploymentFacts
) -> bool:
    ratifiable = row.urgent and row.ratified_at is None
    if action == "submit":
        return actor.login == row.proposer
    if action == "consult":
        already = {c.consultee for c in facts.consultations}
        return actor.login not in already and _holds(lambda: check_consultee(profile, actor, facts))
    if action == "assess-impact":
        return actor.role in ASSESSORS
    if action == "authorise":
        if not (
            profile.authorise.allows(actor.role, actor.rank)
            or _urgent_allowed(profile, actor, facts)
        ):
            return False
        return _separate(profile, actor, facts)
    if action == "ratify":
        ratify = profile.urgent.ratify
        return (
            ratifiable
            and ratify is not None
            and ratify.allows(actor.role, actor.rank)
            and actor.login != facts.authorised_by
            and _separate(profile, actor, facts)
        )
    if action == "extend":
        step = facts.extensions
        if ratifiable or step >= len(profile.extensions):
            return False
        rule = profile.extensions[step]
        return _holds(lambda: require_authority(profile, rule, actor, "extension"))
    if action in ("complete", "revoke"):
        return actor.login in (facts.authorised_by, facts.ratified_by) or profile.revoke.allows(
            actor.role, actor.rank
        )
    if action == "debrief":
        return actor.login in (facts.proposer, facts.authorised_by) or actor.role in COMMANDERS
    return False


def _urgent_allowed(profile: PolicyProfile, actor: Actor, facts: DeploymentFacts) -> bool:
    urgent = profile.urgent
    return bool(
        urgent.allowed
        and urgent.authority is not None
        and facts.trigger.value == "serious-assault"
        and urgent.authority.allows(actor.role, actor.rank)
    )


def _separate(profile: PolicyProfile, actor: Actor, facts: DeploymentFacts) -> bool:
    sep = profile.separation
    if sep.proposer_may_not_authorise and actor.login == facts.proposer:
        return False
    involved = set(facts.investigators) | {i.author for i in facts.intelligence}
    return not (sep.investigator_may_not_authorise and actor.login in involved)


def guide(database: Database, actor: Actor, deployment_id: str, now: datetime) -> dict[str, Any]:
    """The checklist and the actions ``actor`` may take on one deployment."""
    with database.sessions() as session:
        row = session.get(DeploymentRow, deployment_id)
        if row is None:
            return {"checklist": [], "actions": [], "state": None}
        return guide_from(actor, row, facts_of(session, row), now)


def dossier_guide(dossier: Dossier) -> dict[str, Any]:
    """The checklist and actions for a deployment already read (no further query)."""
    return guide_from(dossier.actor, dossier.row, dossier.facts, dossier.now)


def guide_from(
    actor: Actor, row: DeploymentRow, facts: DeploymentFacts, now: datetime
) -> dict[str, Any]:
    """The checklist and the actions ``actor`` may take, from the deployment's facts."""
    profile = profile_of(row)
    state = effective_state(row, now)
    items = checklist(profile, facts)
    return {
        "state": state.value,
        "checklist": [{"label": i.label, "done": i.done, "detail": i.detail} for i in items],
        "ready": all(i.done for i in items[:-1]),
        "actions": may_take(profile, actor, row, facts, now),
        "awaiting_debrief": state is State.ENDED,
    }
