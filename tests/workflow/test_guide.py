"""The page's checklist, actions and warnings are the rules' own answer: whatever the page
says of an action, the service does (and refuses with the same words)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from tests.workflow.scenario import CAST, Clock, impact_assessment, ready_deployment

from patrolgate.workflow import Workflow, WorkflowError
from patrolgate.workflow.guide import dossier_evaluation

GROUNDS = "Graded intelligence (1A) says serious violence is imminent in this ward tonight."

#: Each action the test tries, with inputs the rules do not judge.
ATTEMPTS: dict[str, Callable[[Workflow, str, str], object]] = {
    "authorise": lambda wf, who, d: wf.authorise(who, d, grounds=GROUNDS),
    "submit": lambda wf, who, d: wf.submit(who, d),
    "consult": lambda wf, who, d: wf.consult(who, d, outcome="support", notes="Supported."),
    "assess-impact": lambda wf, who, d: wf.assess_impact(who, d, impact_assessment()),
    "pre-approve": lambda wf, who, d: wf.pre_approve(who, d, reason="Board reviewed it."),
}


def _verdict(workflow: Workflow, who: str, deployment: str, action: str) -> dict[str, Any]:
    evaluation = dossier_evaluation(workflow.deployment_dossier(who, deployment))
    return evaluation.verdict(action).as_dict()


@pytest.mark.parametrize("profile", ["armed-patrol", "s60-statutory"])
def test_what_the_page_says_the_service_does(
    workflow: Workflow, clock: Clock, profile: str
) -> None:
    """For every user and action: "allowed" passes; any other verdict is refused, and a
    refusal the user could fix (or cannot, being who they are) in the very same words."""
    for who in ["admin", *CAST]:
        for action, attempt in ATTEMPTS.items():
            deployment = ready_deployment(
                workflow, clock, profile=profile, consult=action != "consult"
            )
            said = _verdict(workflow, who, deployment, action)
            try:
                attempt(workflow, who, deployment)
            except WorkflowError as error:
                assert said["outcome"] != "allowed", (who, action, error)
                if said["outcome"] in ("refused", "not-yours"):
                    assert str(error) == said["reason"], (who, action)
            else:
                assert said["outcome"] == "allowed", (who, action, said)
                if action == "authorise":
                    clock.advance(days=100)  # clear of the rarity period for the next


def test_the_warning_comes_before_the_click(workflow: Workflow, clock: Clock) -> None:
    """A second armed patrol in Lambeth in 90 days: the chief superintendent is told the
    rules refuse and why; the commander is warned what the click sets off."""
    first = ready_deployment(workflow, clock, hours=4)
    workflow.authorise("sfc.adams", first, grounds=GROUNDS)
    second = ready_deployment(workflow, clock, hours=4)
    refused = _verdict(workflow, "sfc.adams", second, "authorise")
    assert refused["outcome"] == "refused"
    assert "this would be the 2nd armed patrol in Lambeth within 90 days" in refused["reason"]
    warned = _verdict(workflow, "sfc.cdr", second, "authorise")
    assert warned["outcome"] == "allowed"
    assert warned["warnings"] == [
        "this would be the 2nd armed patrol in Lambeth within 90 days (rarity limit 1): "
        "authorisation needs commander rank and notifies oversight"
    ]
    view = workflow.deployment_dossier("sfc.cdr", second)
    rarity = dossier_evaluation(view).as_dict()["rarity"]
    assert (rarity["ordinal"], rarity["borough"]) == (2, "Lambeth")


def test_nothing_you_may_do_says_why(workflow: Workflow, clock: Clock) -> None:
    """Another borough's commander and the analyst are told why they may do nothing."""
    deployment = ready_deployment(workflow, clock, profile="s60-statutory")
    workflow.authorise("tfc1", deployment, grounds=GROUNDS)
    clock.advance(hours=2)
    elsewhere = dossier_evaluation(workflow.deployment_dossier("bc.southwark", deployment))
    assert elsewhere.actions == []
    assert any("own borough" in why for why in elsewhere.why_nothing())
    analyst = dossier_evaluation(workflow.deployment_dossier("analyst1", deployment))
    assert analyst.why_nothing() and all("analyst" in w for w in analyst.why_nothing())
    own = dossier_evaluation(workflow.deployment_dossier("bc.lambeth", deployment))
    assert "revoke" in own.actions and own.why_nothing() == []


def test_the_rarity_position_is_said_to_every_reader_from_the_same_evaluation(
    workflow: Workflow, clock: Clock
) -> None:
    """The first armed patrol is within the limit; the second escalates: its position and
    consequence reach every reader, and the authoriser's verdict carries the same warning."""
    first = ready_deployment(workflow, clock, hours=4)
    within = dossier_evaluation(workflow.deployment_dossier("analyst1", first))
    assert within.rarity_text is not None
    assert within.rarity_text.startswith("this would be the 1st armed patrol in Lambeth")
    assert "within the rarity limit of 1" in within.rarity_text and within.warnings == ()
    workflow.authorise("sfc.adams", first, grounds=GROUNDS)
    second = ready_deployment(workflow, clock, start_in=10, hours=4)
    for who in ("analyst1", "oversight1", "sfc.cdr"):
        seen = dossier_evaluation(workflow.deployment_dossier(who, second))
        assert seen.rarity_text is not None
        assert "2nd armed patrol in Lambeth within 90 days" in seen.rarity_text
        assert seen.rarity_text.endswith("needs commander rank and notifies oversight")
        assert seen.warnings and "notifies oversight" in seen.warnings[0]
    commander = dossier_evaluation(workflow.deployment_dossier("sfc.cdr", second))
    assert commander.verdict("authorise").warnings == commander.warnings


def test_nothing_to_do_says_which_rule_rules_the_reader_out(
    workflow: Workflow, clock: Clock
) -> None:
    """The analyst on a submitted deployment: each action with the role that rules it out."""
    deployment = ready_deployment(workflow, clock)
    why = dossier_evaluation(workflow.deployment_dossier("analyst1", deployment)).why_nothing()
    assert why and all(": " in w and "analyst" in w for w in why)
    assert any(w.startswith("Authorise: ") for w in why)
