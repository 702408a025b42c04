"""Concurrent authorisations never pass more than the rarity guard-rail allows (real threads,
SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.workflow.scenario import Clock, at_once, ready_deployment

from patrolgate.policy import load_profile
from patrolgate.workflow import PolicyViolation, Workflow, WorkflowError

GROUNDS = "Graded intelligence (1A) says serious violence is imminent in this ward tonight."
THREADS = 6


@pytest.mark.parametrize(
    ("profile", "base"), [("s60-statutory", "insp1"), ("armed-patrol", "sfc.adams")]
)
def test_proposing_and_authorising_at_once_never_passes_the_limit(
    workflow: Workflow, clock: Clock, profile: str, base: str
) -> None:
    """Six proposers each propose and at once authorise at the profile's minimum rank: at
    most the limit pass without escalation, whatever the interleaving."""
    limit = load_profile(profile).rarity.max_deployments

    def propose_and_authorise() -> str:
        deployment = ready_deployment(workflow, clock, profile=profile, hours=4)
        workflow.authorise(base, deployment, grounds=GROUNDS)
        return deployment

    results = at_once([propose_and_authorise] * THREADS)
    passed = [r for r in results if isinstance(r, str)]
    refused = [r for r in results if isinstance(r, PolicyViolation)]
    assert len(passed) + len(refused) == THREADS, results
    assert len(passed) <= limit, results
    # Each refusal counted at least the limit's worth of others, pending or authorised.
    assert all("this would be the" in str(r) for r in refused), results
    for deployment in passed:
        assert not workflow.show_deployment("oversight1", deployment)["escalated"]
    assert workflow.verify_audit().ok


def test_at_the_limit_all_pass_one_more_and_none_does(workflow: Workflow, clock: Clock) -> None:
    """dispersal-s34 allows 4 in 28 days: 4 pending, authorised at once by 4 inspectors,
    all pass (none waits on another for ever); 5 pending, 5 at once, none passes."""
    limit = load_profile("dispersal-s34").rarity.max_deployments
    for count, expected in ((limit, [True] * limit), (limit + 1, [False] * (limit + 1))):
        clock.advance(days=60)  # each round clear of the one before
        pending = [
            ready_deployment(workflow, clock, profile="dispersal-s34", start_in=1 + i, hours=2)
            for i in range(count)
        ]
        results = at_once(
            [lambda d=d: workflow.authorise("insp1", d, grounds=GROUNDS) for d in pending]
        )
        assert [isinstance(r, int) for r in results] == expected, results
    assert workflow.verify_audit().ok


def test_escalated_authorisations_at_once_stop_at_the_ceiling(
    workflow: Workflow, clock: Clock
) -> None:
    """Seven s60 deployments pending in one borough, seven superintendents at once: each
    counts seven, beyond the ceiling of six, so none passes; with oversight's pre-approval
    of four, exactly those four pass, escalated and notified."""
    ceiling = load_profile("s60-statutory").rarity.ceiling_deployments
    assert ceiling == THREADS
    pending = [
        ready_deployment(workflow, clock, profile="s60-statutory", start_in=2, hours=6)
        for _ in range(THREADS + 1)
    ]
    results = at_once([lambda d=d: workflow.authorise("tfc1", d, grounds=GROUNDS) for d in pending])
    assert all(isinstance(r, PolicyViolation) and "ceiling" in str(r) for r in results), results
    for deployment in pending[:4]:
        workflow.pre_approve("oversight1", deployment, reason="Board reviewed the series.")
    results = at_once([lambda d=d: workflow.authorise("tfc1", d, grounds=GROUNDS) for d in pending])
    assert [isinstance(r, int) for r in results] == [True] * 4 + [False] * 3, results
    for deployment in pending[:4]:
        view = workflow.show_deployment("oversight1", deployment)
        assert view["escalated"] and "7th s60 authorisation" in view["escalation_reason"]
    assert workflow.verify_audit().ok


def test_many_boroughs_at_once_do_not_deadlock(workflow: Workflow, clock: Clock) -> None:
    """Dispersal authorisations over both boroughs and over one, all at once: the rarity
    locks are taken in one order, so every one ends (passed or refused), none hangs, and
    the counts per borough still hold."""
    from tests.workflow.scenario import WARD_L1, WARD_S1, add_intel, rationale

    deployments = []
    for i in range(THREADS):
        wards = [WARD_L1, WARD_S1] if i % 2 else [WARD_S1]
        intel = [add_intel(workflow, clock, area=w) for w in wards]
        start = clock.now + timedelta(hours=1 + i)
        deployment = workflow.propose(
            "proposer1",
            profile="dispersal-s34",
            start=start,
            end=start + timedelta(hours=6),
            trigger="imminent-intelligence",
            rationale=rationale(
                criterion="harassment-alarm-distress", rights_consideration="Assembly respected."
            ),
            area_codes=wards,
            intelligence_ids=intel,
        )
        for commander in ("bc.lambeth", "bc.southwark") if i % 2 else ("bc.southwark",):
            workflow.consult(commander, deployment, outcome="support", notes="Supported.")
        deployments.append(deployment)
    results = at_once(
        [lambda d=d: workflow.authorise("insp1", d, grounds=GROUNDS) for d in deployments]
    )
    assert all(isinstance(r, int | WorkflowError) for r in results), results
    # Six pending in Southwark against a limit of four: an inspector passes none.
    assert all(isinstance(r, PolicyViolation) for r in results), results
    results = at_once(
        [lambda d=d: workflow.authorise("tfc1", d, grounds=GROUNDS) for d in deployments]
    )
    assert all(isinstance(r, int) for r in results), results  # escalated, within the ceiling
    assert workflow.verify_audit().ok
