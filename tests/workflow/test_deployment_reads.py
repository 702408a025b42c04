"""Deployment pages read once per change: the stamp says when a kept read no longer holds,
whichever process (here: another Workflow on the same database) made the change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event
from tests.workflow.scenario import Clock, ready_deployment

from patrolgate.policy import Trigger
from patrolgate.store import Database
from patrolgate.store.workflow_tables import DeploymentRow
from patrolgate.workflow import Workflow
from patrolgate.workflow.actors import load_actor
from patrolgate.workflow.deployment_reads import LoadedDeployment, LoadedDeployments
from patrolgate.workflow.errors import NotAuthorised, NotFound, PolicyViolation
from patrolgate.workflow.rules import DeploymentFacts


def _statements(database: Database) -> list[str]:
    seen: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(database.engine, "before_cursor_execute", note)
    return seen


def test_a_repeated_read_asks_only_for_the_stamp(workflow: Workflow, clock: Clock) -> None:
    deployment = ready_deployment(workflow, clock)
    first = workflow.deployment_dossier("analyst1", deployment)
    seen = _statements(workflow.database)
    again = workflow.deployment_dossier("analyst1", deployment)
    reads = [s for s in seen if s.startswith("SELECT")]
    # The actor (a login here), the stamp, the linked intelligence (retention may redact a
    # summary without changing this deployment's stamp) and, while it awaits its decision,
    # the rarity count (other deployments change it without changing this one's stamp); no
    # deployment, consultation or audit rows.
    assert len(reads) == 4, reads
    assert any("max(audit_entries.seq)" in s for s in reads)
    assert sum("deployments.profile_name" in s for s in reads) == 1
    assert sum("FROM intelligence" in s for s in reads) == 1
    assert again.view == first.view
    assert len(workflow.loaded) == 1
    workflow.authorise("sfc.adams", deployment, grounds="Reliable intelligence of imminent harm.")
    workflow.deployment_dossier("analyst1", deployment)
    seen.clear()
    workflow.deployment_dossier("analyst1", deployment)
    assert len([s for s in seen if s.startswith("SELECT")]) == 3, seen  # decided: no count


def test_a_change_by_another_process_shows_at_once(
    workflow: Workflow, database: Database, clock: Clock
) -> None:
    deployment = ready_deployment(workflow, clock, consult=False, assess=False)
    reader = workflow.deployment_dossier("analyst1", deployment)
    assert reader.view["consultations"] == []
    other = Workflow(database=database, clock=clock)  # its own kept reads, like a worker
    other.consult("bc.lambeth", deployment, outcome="concerns", notes="Borough has concerns.")

    after = workflow.deployment_dossier("analyst1", deployment)
    assert [c["outcome"] for c in after.view["consultations"]] == ["concerns"]
    assert after.view["version"] == reader.view["version"] + 1
    assert after.facts.consultations and not reader.facts.consultations


def test_a_refusal_elsewhere_reaches_the_timeline(
    workflow: Workflow, database: Database, clock: Clock
) -> None:
    """A refusal writes no deployment row, only an audit entry: the stamp still moves."""
    deployment = ready_deployment(workflow, clock, assess=False)
    before = workflow.deployment_dossier("analyst1", deployment)
    other = Workflow(database=database, clock=clock)
    with pytest.raises(PolicyViolation, match="impact assessment"):
        other.authorise(
            "sfc.adams",
            deployment,
            grounds="Reliable intelligence of imminent serious violence in this ward.",
        )
    after = workflow.deployment_dossier("analyst1", deployment)
    assert after.view["version"] == before.view["version"]
    assert after.view["timeline"][-1]["action"] == "refused"
    assert after.view["last_refusal"] and not before.view["last_refusal"]


def test_the_clock_is_applied_to_a_kept_read(workflow: Workflow, clock: Clock) -> None:
    deployment = ready_deployment(workflow, clock, start_in=1, hours=4)
    workflow.authorise(
        "sfc.adams",
        deployment,
        grounds="Reliable intelligence of imminent serious violence in this ward.",
    )
    assert workflow.deployment_dossier("analyst1", deployment).view["state"] == "authorised"
    clock.advance(hours=2)  # started, and nobody has swept: the kept rows say authorised
    view = workflow.deployment_dossier("analyst1", deployment).view
    assert view["state"] == "active"
    assert view["unrecorded_clock_transitions"] == ["deployment.activated"]


def test_an_unknown_deployment_is_not_found(workflow: Workflow) -> None:
    with pytest.raises(NotFound):
        workflow.deployment_dossier("analyst1", "dep-00000000")


def test_an_identified_actor_is_taken_as_given(workflow: Workflow, clock: Clock) -> None:
    """The web service passes the Actor it identified: no second query for the user, and
    the services' permission checks still apply to it."""
    deployment = ready_deployment(workflow, clock, consult=False, assess=False)
    with workflow.database.sessions() as session:
        commander = load_actor(session, "bc.lambeth")
        southwark = load_actor(session, "bc.southwark")
    seen = _statements(workflow.database)
    workflow.deployment_dossier(commander, deployment)
    assert not [s for s in seen if "FROM users" in s]
    with pytest.raises(NotAuthorised, match="affected borough"):
        workflow.consult(southwark, deployment, outcome="support", notes="Not my borough.")
    version = workflow.consult(commander, deployment, outcome="support", notes="Supported.")
    view = workflow.deployment_dossier("analyst1", deployment).view
    assert view["version"] == version
    assert view["consultations"][0]["consultee"] == "bc.lambeth"
    assert view["timeline"][-2]["actor"] == "bc.southwark"  # the refusal, by login
    assert view["timeline"][-2]["action"] == "refused"


def _loaded(version: int) -> LoadedDeployment:
    at = datetime(2026, 6, 5, tzinfo=UTC)
    facts = DeploymentFacts(
        proposer="proposer1",
        trigger=Trigger.IMMINENT_INTELLIGENCE,
        start=at,
        end=at + timedelta(hours=1),
        borough_codes=(),
    )
    return LoadedDeployment((version, at, 7), DeploymentRow(), {}, facts, {})


def test_kept_reads_are_bounded_and_keyed_by_stamp() -> None:
    kept = LoadedDeployments(capacity=2)
    at = datetime(2026, 6, 5, tzinfo=UTC)
    kept.put("a", _loaded(1))
    assert kept.get("a", (1, at, 7)) is not None
    assert kept.get("a", (2, at, 7)) is None  # a new version
    assert kept.get("a", (1, at, 8)) is None  # a new audit entry
    kept.put("b", _loaded(1))
    kept.get("a", (1, at, 7))  # "a" is now the most recently read
    kept.put("c", _loaded(1))
    assert len(kept) == 2
    assert kept.get("b", (1, at, 7)) is None
    assert kept.get("a", (1, at, 7)) is not None
