"""Inboxes count rarity only where it can change what is owed, and owe the same as when
they count it everywhere."""

from __future__ import annotations

from tests.workflow.scenario import CAST, Clock, ready_deployment

from patrolgate.workflow import Workflow
from patrolgate.workflow.actors import Actor, load_actor
from patrolgate.workflow.inbox import inbox_of

GROUNDS = "Graded intelligence (1A) says serious violence is imminent in this ward tonight."


def _actor(workflow: Workflow, login: str) -> Actor:
    with workflow.database.sessions() as session:
        return load_actor(session, login)


def test_every_inbox_owes_what_counting_rarity_everywhere_owes(
    workflow: Workflow, clock: Clock
) -> None:
    """Armed patrols and s60s in one borough past the escalation and the ceiling, one
    pre-approved, one authorised, one proposed without consultation: for every member of
    the cast, the inbox (rarity counted only where the user may authorise or pre-approve)
    equals the exhaustive one, and the owed actions the counts decide are there."""
    for _ in range(3):
        ready_deployment(workflow, clock, profile="armed-patrol", start_in=2, hours=6)
    pending = [
        ready_deployment(workflow, clock, profile="s60-statutory", start_in=3, hours=6)
        for _ in range(8)
    ]
    workflow.pre_approve("oversight1", pending[0], reason="Board reviewed the series.")
    authorised = ready_deployment(workflow, clock, profile="dispersal-s34", start_in=1, hours=2)
    workflow.authorise("insp1", authorised, grounds=GROUNDS)
    ready_deployment(workflow, clock, profile="armed-patrol", consult=False, assess=False)
    owed: dict[str, set[str]] = {}
    for login in CAST:
        actor = _actor(workflow, login)
        quick = inbox_of(workflow, actor)
        assert quick == inbox_of(workflow, actor, exhaustive=True), login
        owed[login] = {a for item in quick for a in item["actions"]}
    # What the rarity counts decide is still owed: s60 authorisations to the tactical
    # commanders whose rank covers the escalation, pre-approvals beyond the ceiling to
    # oversight; the analyst is owed nothing.
    assert "authorise" in owed["tfc1"]
    assert "pre-approve" in owed["oversight1"]
    assert owed["analyst1"] == set()
