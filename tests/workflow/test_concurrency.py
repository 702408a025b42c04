"""Races between threads: exactly one of two conflicting actions wins, the other gets Conflict."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

from tests.workflow.scenario import Clock, at_once, ready_deployment

from patrolgate.workflow import Conflict, Workflow, WorkflowError


def race(first: Callable[[], object], second: Callable[[], object]) -> list[object]:
    """Run two actions at the same moment in two threads; return what each returned or raised."""
    return at_once([first, second])


def test_two_authorisations_one_wins(workflow: Workflow, clock: Clock) -> None:
    """Two commanders authorise the same version at once: one succeeds, one conflicts."""
    for _ in range(3):
        deployment = ready_deployment(workflow, clock, hours=2)
        seen = workflow.show_deployment("oversight1", deployment)["version"]
        results = race(
            lambda d=deployment, v=seen: workflow.authorise(
                "sfc.adams",
                d,
                expected_version=v,
                grounds="Reliable intelligence of imminent serious violence in this ward.",
            ),
            lambda d=deployment, v=seen: workflow.authorise(
                "sfc.cdr",
                d,
                expected_version=v,
                grounds="Reliable intelligence of imminent serious violence in this ward.",
            ),
        )
        wins = [r for r in results if isinstance(r, int)]
        conflicts = [r for r in results if isinstance(r, Conflict)]
        assert len(wins) == 1 and len(conflicts) == 1, results
        view = workflow.show_deployment("oversight1", deployment)
        authorised = [t for t in view["timeline"] if t["action"] == "deployment.authorised"]
        assert len(authorised) == 1 and authorised[0]["actor"] == view["authorised_by"]
        clock.advance(days=100)  # past the rarity period, so the next round is not escalated
    assert workflow.verify_audit().ok


def test_extension_racing_revocation(workflow: Workflow, clock: Clock) -> None:
    """Extension and revocation at once: exactly one is applied, the other conflicts."""
    deployment = ready_deployment(workflow, clock, start_in=0)
    workflow.authorise(
        "sfc.adams",
        deployment,
        grounds="Reliable intelligence of imminent serious violence in this ward.",
    )
    seen = workflow.show_deployment("oversight1", deployment)["version"]
    results = race(
        lambda: workflow.extend(
            "sfc.adams",
            deployment,
            until=clock.now + timedelta(hours=30),
            reason="Threat continues",
            expected_version=seen,
        ),
        lambda: workflow.revoke(
            "sfc.cdr", deployment, reason="Threat passed", expected_version=seen
        ),
    )
    assert sum(isinstance(r, int) for r in results) == 1, results
    assert sum(isinstance(r, Conflict) for r in results) == 1, results
    view = workflow.show_deployment("oversight1", deployment)
    done = [t["action"] for t in view["timeline"]][-1]
    if isinstance(results[0], int):
        assert done == "deployment.extended" and view["state"] == "active"
    else:
        assert done == "deployment.revoked" and view["end_reason"] == "revoked"
    assert workflow.verify_audit().ok


def test_unversioned_race_never_applies_both(workflow: Workflow, clock: Clock) -> None:
    """Without a version from the caller, the loser still never writes a second authorisation."""
    deployment = ready_deployment(workflow, clock, hours=2)
    results = race(
        lambda: workflow.authorise(
            "sfc.adams",
            deployment,
            grounds="Reliable intelligence of imminent serious violence in this ward.",
        ),
        lambda: workflow.authorise(
            "sfc.cdr",
            deployment,
            grounds="Reliable intelligence of imminent serious violence in this ward.",
        ),
    )
    assert sum(isinstance(r, int) for r in results) == 1, results
    assert all(isinstance(r, int | WorkflowError) for r in results), results
    timeline = workflow.show_deployment("oversight1", deployment)["timeline"]
    assert sum(t["action"] == "deployment.authorised" for t in timeline) == 1
    assert workflow.verify_audit().ok


def test_concurrent_audit_appends_keep_one_chain(workflow: Workflow, clock: Clock) -> None:
    """Many threads appending at once (reveals of code C) leave one valid chain."""
    from tests.workflow.scenario import add_intel

    intel = add_intel(workflow, clock, handling="C")
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            for _ in range(5):
                workflow.reveal_intelligence("sfc.adams", intel)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    result = workflow.verify_audit()
    assert result.ok
    reads = [e for e in workflow.export_audit() if e["action"] == "intelligence.read"]
    assert len(reads) == 20
