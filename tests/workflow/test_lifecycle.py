"""The deployment lifecycle through the services, with the audit trail checked at each step."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.workflow.scenario import WARD_L1, Clock, debrief, ready_deployment

from patrolgate.workflow import InvalidTransition, NotAuthorised, PolicyViolation, Workflow


def actions(workflow: Workflow, deployment: str) -> list[str]:
    """The audit actions recorded for a deployment, in order."""
    return [t["action"] for t in workflow.show_deployment("oversight1", deployment)["timeline"]]


def test_full_lifecycle(workflow: Workflow, clock: Clock) -> None:
    """Propose → consult → assess → authorise → active → extend → expire → debrief."""
    deployment = ready_deployment(workflow, clock)
    assert workflow.show_deployment("oversight1", deployment)["state"] == "submitted"
    workflow.authorise(
        "sfc.adams",
        deployment,
        conditions="Review each shift",
        grounds="Reliable intelligence of imminent serious violence in this ward.",
    )
    assert workflow.show_deployment("oversight1", deployment)["state"] == "authorised"
    clock.advance(hours=1)
    assert workflow.show_deployment("oversight1", deployment)["state"] == "active"
    workflow.extend(
        "sfc.adams", deployment, until=clock.now + timedelta(hours=47), reason="Threat continues"
    )
    clock.advance(hours=47)
    view = workflow.show_deployment("oversight1", deployment)
    assert (view["state"], view["end_reason"]) == ("ended", "expired")
    workflow.debrief("sfc.adams", deployment, debrief())
    assert actions(workflow, deployment) == [
        "deployment.proposed",
        "deployment.submitted",
        "deployment.consulted",
        "deployment.impact-assessed",
        "deployment.authorised",
        "deployment.activated",
        "deployment.extended",
        "deployment.expired",
        "deployment.debriefed",
    ]
    assert workflow.verify_audit().ok


def test_refusal_is_recorded_and_changes_nothing(workflow: Workflow, clock: Clock) -> None:
    """A refused authorisation names the rule, leaves the state, and goes on the record."""
    deployment = ready_deployment(workflow, clock, assess=False)
    with pytest.raises(PolicyViolation, match="armed-patrol: no community impact assessment"):
        workflow.authorise(
            "sfc.adams",
            deployment,
            grounds="Reliable intelligence of imminent serious violence in this ward.",
        )
    view = workflow.show_deployment("oversight1", deployment)
    assert view["state"] == "submitted"
    assert "no community impact assessment" in view["last_refusal"]
    assert actions(workflow, deployment)[-1] == "refused"


def test_transitions_out_of_order_are_refused(workflow: Workflow, clock: Clock) -> None:
    """Extending before authorisation and debriefing a live deployment are invalid."""
    deployment = ready_deployment(workflow, clock)
    with pytest.raises(InvalidTransition, match="extend needs it authorised or active"):
        workflow.extend(
            "sfc.adams", deployment, until=clock.now + timedelta(hours=30), reason="more"
        )
    workflow.authorise(
        "sfc.adams",
        deployment,
        grounds="Reliable intelligence of imminent serious violence in this ward.",
    )
    with pytest.raises(InvalidTransition):
        workflow.debrief("sfc.adams", deployment, debrief())
    with pytest.raises(InvalidTransition):
        workflow.authorise(
            "sfc.cdr",
            deployment,
            grounds="Reliable intelligence of imminent serious violence in this ward.",
        )


def test_revocation_and_who_may_revoke(workflow: Workflow, clock: Clock) -> None:
    """A constable-level user may not revoke; the authoriser may, and it ends at once."""
    deployment = ready_deployment(workflow, clock)
    workflow.authorise(
        "sfc.adams",
        deployment,
        grounds="Reliable intelligence of imminent serious violence in this ward.",
    )
    with pytest.raises(NotAuthorised):
        workflow.revoke("community1", deployment, reason="not needed")
    workflow.revoke("sfc.adams", deployment, reason="Threat has passed")
    view = workflow.show_deployment("oversight1", deployment)
    assert (view["state"], view["end_reason"]) == ("ended", "revoked")


def test_sweeper_records_expiry_when_nobody_looks(workflow: Workflow, clock: Clock) -> None:
    """The sweeper writes activation and expiry with the instants they took effect."""
    deployment = ready_deployment(workflow, clock, start_in=1, hours=2)
    workflow.authorise(
        "sfc.adams",
        deployment,
        grounds="Reliable intelligence of imminent serious violence in this ward.",
    )
    clock.advance(hours=10)
    swept = workflow.sweep()
    assert [(e.action, e.effective_at) for e in swept] == [
        ("deployment.activated", clock.now - timedelta(hours=9)),
        ("deployment.expired", clock.now - timedelta(hours=7)),
    ]
    assert workflow.sweep() == []
    assert workflow.verify_audit().ok


def test_urgent_path_lapses_without_ratification(workflow: Workflow, clock: Clock) -> None:
    """A tactical commander authorises at once; unratified, it lapses at the window's end."""
    deployment = ready_deployment(
        workflow, clock, trigger="serious-assault", start_in=0, consult=False, assess=False
    )
    workflow.authorise(
        "tfc.ci",
        deployment,
        grounds="Reliable intelligence of imminent serious violence in this ward.",
    )
    view = workflow.show_deployment("oversight1", deployment)
    assert view["state"] == "active" and view["urgent"]
    clock.advance(hours=2)
    swept = workflow.sweep()
    assert [e.action for e in swept] == ["deployment.lapsed"]
    view = workflow.show_deployment("oversight1", deployment)
    assert (view["state"], view["end_reason"]) == ("ended", "lapsed")


def test_urgent_path_ratified_in_time(workflow: Workflow, clock: Clock) -> None:
    """Ratification needs the deferred steps, then the deployment runs to its end."""
    deployment = ready_deployment(
        workflow, clock, trigger="serious-assault", start_in=0, consult=False, assess=False
    )
    workflow.authorise(
        "tfc.ci",
        deployment,
        grounds="Reliable intelligence of imminent serious violence in this ward.",
    )
    with pytest.raises(PolicyViolation, match="has not been consulted"):
        workflow.authorise(
            "sfc.adams",
            deployment,
            grounds="Reliable intelligence of imminent serious violence in this ward.",
        )
    workflow.consult("bc.lambeth", deployment, outcome="support", notes="Supports.")
    from tests.workflow.scenario import impact_assessment

    workflow.assess_impact("sfc.adams", deployment, impact_assessment())
    clock.advance(hours=1, minutes=59)
    workflow.authorise(
        "sfc.adams",
        deployment,
        grounds="Reliable intelligence of imminent serious violence in this ward.",
    )
    clock.advance(hours=3)
    assert workflow.sweep() == []
    assert workflow.show_deployment("oversight1", deployment)["ratified_by"] == "sfc.adams"


def test_rarity_escalation_notifies_oversight(workflow: Workflow, clock: Clock) -> None:
    """armed-patrol allows one deployment per area in 90 days; the second needs a commander."""
    first = ready_deployment(workflow, clock, hours=4)
    workflow.authorise(
        "sfc.adams",
        first,
        grounds="Reliable intelligence of imminent serious violence in this ward.",
    )
    clock.advance(hours=10)
    second = ready_deployment(workflow, clock, hours=4)
    with pytest.raises(
        PolicyViolation, match="this would be the 2nd armed patrol in Lambeth within 90 days"
    ):
        workflow.authorise(
            "sfc.adams",
            second,
            grounds="Reliable intelligence of imminent serious violence in this ward.",
        )
    workflow.authorise(
        "sfc.cdr",
        second,
        grounds="Reliable intelligence of imminent serious violence in this ward.",
    )
    assert "oversight.notified" in actions(workflow, second)


def test_expected_version_conflict(workflow: Workflow, clock: Clock) -> None:
    """Acting on a stale view is a conflict and writes nothing."""
    from patrolgate.workflow import Conflict

    deployment = ready_deployment(workflow, clock)
    seen = workflow.show_deployment("oversight1", deployment)["version"]
    workflow.consult("community1", deployment, outcome="concerns", notes="Youth groups worried.")
    with pytest.raises(Conflict):
        workflow.authorise(
            "sfc.adams",
            deployment,
            expected_version=seen,
            grounds="Reliable intelligence of imminent serious violence in this ward.",
        )
    fresh = workflow.show_deployment("oversight1", deployment)["version"]
    assert (
        workflow.authorise(
            "sfc.adams",
            deployment,
            expected_version=fresh,
            grounds="Reliable intelligence of imminent serious violence in this ward.",
        )
        == fresh + 1
    )


def test_geojson_area_is_clipped_to_the_study_area(workflow: Workflow, clock: Clock) -> None:
    """A polygon straddling the edge is clipped; one outside is refused."""
    from tests.workflow.scenario import add_intel, rationale

    from patrolgate.errors import InvalidInput

    polygon = {
        "type": "Polygon",
        "coordinates": [
            [[-0.125, 51.45], [-0.14, 51.45], [-0.14, 51.46], [-0.125, 51.46], [-0.125, 51.45]]
        ],
    }
    intel = add_intel(workflow, clock, area=WARD_L1)
    deployment = workflow.propose(
        "proposer1",
        profile="armed-patrol",
        start=clock.now + timedelta(hours=1),
        end=clock.now + timedelta(hours=5),
        trigger="imminent-intelligence",
        rationale=rationale(),
        geojson=polygon,
        intelligence_ids=[intel],
    )
    view = workflow.show_deployment("oversight1", deployment)
    assert view["boroughs"] == ["Lambeth (E09000022)"]
    assert 0.3 < view["area_km2"] < 0.8  # a third of the drawn box lies outside
    outside = {
        "type": "Polygon",
        "coordinates": [[[1.0, 52.0], [1.1, 52.0], [1.1, 52.1], [1.0, 52.0]]],
    }
    with pytest.raises(InvalidInput, match="outside the study area"):
        workflow.propose(
            "proposer1",
            profile="armed-patrol",
            start=clock.now + timedelta(hours=1),
            end=clock.now + timedelta(hours=5),
            trigger="imminent-intelligence",
            rationale=rationale(),
            geojson=outside,
        )


def test_forecast_snapshot_is_taken_at_proposal(workflow: Workflow, clock: Clock) -> None:
    """The caller's forecast callable fills the snapshot; without one it stays empty."""
    workflow.forecast = lambda geometry, codes, start, end: {"model": "kde", "areas": list(codes)}
    deployment = ready_deployment(workflow, clock)
    snapshot = workflow.show_deployment("oversight1", deployment)["forecast_snapshot"]
    assert {k: snapshot[k] for k in ("model", "areas")} == {"model": "kde", "areas": [WARD_L1]}
    assert snapshot["taken_at"] == clock.now.isoformat()  # attached with when it was taken
