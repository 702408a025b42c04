"""Retention redacts content past its period, records each redaction, and the chain verifies."""

from __future__ import annotations

import pytest
from tests.workflow.scenario import Clock, add_intel, ready_deployment

from patrolgate.workflow import NotAuthorised, Workflow
from patrolgate.workflow.retention import REDACTED


def test_retention_redacts_and_the_chain_still_verifies(workflow: Workflow, clock: Clock) -> None:
    """Intelligence text and a stale proposal are redacted; payloads go, digests stay."""
    intel = add_intel(workflow, clock, handling="C", hours=24)
    workflow.reveal_intelligence("sfc.adams", intel)
    deployment = ready_deployment(workflow, clock)
    assert workflow.apply_retention("admin").intelligence == []
    clock.advance(days=400)
    report = workflow.apply_retention("admin")
    assert intel in report.intelligence and deployment in report.deployments
    assert report.audit_payloads > 0
    assert workflow.reveal_intelligence("sfc.adams", intel)["text"] == REDACTED
    assert workflow.show_deployment("oversight1", deployment)["rationale"]["redacted"] is True
    redactions = [e for e in workflow.export_audit() if e["action"] == "retention.redacted"]
    assert len(redactions) >= 3  # two summaries (one via the deployment) and the deployment
    added = next(
        e
        for e in workflow.export_audit()
        if e["action"] == "intelligence.added" and e["subject"] == f"intelligence:{intel}"
    )
    assert added["payload"] is None and added["redacted_by"] is not None
    assert workflow.verify_audit().ok
    assert workflow.apply_retention("admin").as_dict()["audit_payloads_redacted"] == 0


def test_only_an_admin_applies_retention(workflow: Workflow, clock: Clock) -> None:
    """Anyone else is refused; the scheduled job acts without an actor."""
    with pytest.raises(NotAuthorised):
        workflow.apply_retention("sfc.adams")
    clock.advance(days=1)
    workflow.apply_retention(None)


def test_ended_deployments_keep_narrative_for_the_period(workflow: Workflow, clock: Clock) -> None:
    """An ended deployment keeps its narrative for six years, then loses it."""
    deployment = ready_deployment(workflow, clock, hours=2)
    workflow.authorise(
        "sfc.adams",
        deployment,
        grounds="Reliable intelligence of imminent serious violence in this ward.",
    )
    clock.advance(days=2000)
    assert deployment not in workflow.apply_retention("admin").deployments
    clock.advance(days=200)
    assert deployment in workflow.apply_retention("admin").deployments
    view = workflow.show_deployment("oversight1", deployment)
    assert view["state"] == "ended" and view["consultations"][0]["notes"] == REDACTED
    assert workflow.verify_audit().ok
