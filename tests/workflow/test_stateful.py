"""Random actions by random actors never break the workflow's guarantees (hypothesis)."""

from __future__ import annotations

import contextlib
import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    MultipleResults,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
)
from sqlalchemy import select
from tests.workflow.scenario import (
    CAST,
    WARD_L1,
    WARD_L2,
    WARD_S1,
    Clock,
    add_intel,
    debrief,
    impact_assessment,
    make_workflow,
    rationale,
)

from patrolgate.errors import InvalidInput
from patrolgate.policy import PolicyProfile, Rank, Role
from patrolgate.store import create_database
from patrolgate.store.workflow_tables import ConsultationRow, DeploymentRow, UserRow
from patrolgate.workflow import State, WorkflowError
from patrolgate.workflow.lifecycle import effective_state

#: Mostly the people who can act, often anyone at all (who must then be refused).
LIKELY = [
    "proposer1",
    "bc.lambeth",
    "bc.southwark",
    "sfc.adams",
    "sfc.cdr",
    "sfc.dac",
    "tfc.ci",
    "insp1",
]
ACTORS = st.one_of(st.sampled_from(LIKELY), st.sampled_from(["admin", *CAST]))
PROFILES = st.sampled_from(["armed-patrol", "s60-statutory", "s60-strict", "dispersal-s34"])
CRITERIA = {
    "armed-patrol": "operational-contingency",
    "s60-statutory": "serious-violence-may-occur",
    "s60-strict": "serious-violence-will-occur",
    "dispersal-s34": "harassment-alarm-distress",
}
EXPECTED = (WorkflowError, InvalidInput)


class WorkflowMachine(RuleBasedStateMachine):
    """Drives the services with random actions and checks the invariants after each."""

    deployments = Bundle("deployments")

    def __init__(self) -> None:
        super().__init__()
        self.folder = tempfile.TemporaryDirectory()
        self.database = create_database(f"sqlite:///{Path(self.folder.name) / 'p.db'}")
        self.database.migrate()
        self.clock = Clock()
        self.workflow = make_workflow(self.database, self.clock)

    def teardown(self) -> None:
        self.database.dispose()
        self.folder.cleanup()

    @initialize(target=deployments, profile=PROFILES)
    def first(self, profile: str) -> MultipleResults[str]:
        """Start with a lawful proposal, so that the random actions have something to act on."""
        return self.propose(profile, "proposer1", WARD_L1, "1A", 1, 9, "imminent-intelligence")

    @rule(
        target=deployments,
        profile=PROFILES,
        actor=st.one_of(st.just("proposer1"), ACTORS),
        area=st.sampled_from([WARD_L1, WARD_L2, WARD_S1]),
        grade=st.sampled_from(["1A", "1B", "2C", "3E"]),
        start_in=st.integers(min_value=0, max_value=6),
        hours=st.sampled_from([1, 9, 15, 24, 49]),
        trigger=st.sampled_from(["imminent-intelligence", "serious-assault"]),
    )
    def propose(
        self,
        profile: str,
        actor: str,
        area: str,
        grade: str,
        start_in: int,
        hours: int,
        trigger: str,
    ) -> MultipleResults[str]:
        intel = add_intel(self.workflow, self.clock, area=area, grade=grade)
        start = self.clock.now + timedelta(hours=start_in)
        try:
            deployment = self.workflow.propose(
                actor,
                profile=profile,
                start=start,
                end=start + timedelta(hours=hours),
                trigger=trigger,
                rationale=rationale(
                    criterion=CRITERIA[profile], rights_consideration="Regard had."
                ),
                area_codes=[area],
                intelligence_ids=[intel],
            )
            event("proposed")
            return multiple(deployment)
        except EXPECTED:
            return multiple()

    @rule(deployment=deployments)
    def prepare(self, deployment: str) -> None:
        """The borough commanders consult and the strategic commander assesses impact."""
        for commander in ("bc.lambeth", "bc.southwark"):
            with contextlib.suppress(EXPECTED):
                self.workflow.consult(commander, deployment, outcome="support", notes="Agreed.")
        with contextlib.suppress(EXPECTED):
            self.workflow.assess_impact("sfc.adams", deployment, impact_assessment())

    @rule(deployment=deployments)
    def authorise_lawfully(self, deployment: str) -> None:
        """Steps done, then the most senior strategic commander tries to authorise."""
        self.prepare(deployment)
        try:
            self.workflow.authorise(
                "sfc.dac",
                deployment,
                grounds="Reliable intelligence of imminent serious violence in this ward.",
            )
            event("authorised")
        except EXPECTED as error:
            event(f"lawful authorise refused: {type(error).__name__}")

    @rule(deployment=deployments, actor=ACTORS, outcome=st.sampled_from(["support", "object"]))
    def consult(self, deployment: str, actor: str, outcome: str) -> None:
        try:
            self.workflow.consult(actor, deployment, outcome=outcome, notes="Said our piece.")
        except EXPECTED:
            event("consult refused")

    @rule(deployment=deployments, actor=ACTORS)
    def assess(self, deployment: str, actor: str) -> None:
        try:
            self.workflow.assess_impact(actor, deployment, impact_assessment())
        except EXPECTED:
            event("assessment refused")

    @rule(deployment=deployments, actor=ACTORS)
    def authorise(self, deployment: str, actor: str) -> None:
        try:
            self.workflow.authorise(
                actor,
                deployment,
                grounds="Reliable intelligence of imminent serious violence in this ward.",
            )
            event("authorised")
        except EXPECTED as error:
            event(f"authorise refused: {type(error).__name__}")

    @rule(deployment=deployments, actor=ACTORS, hours=st.sampled_from([1, 9, 15, 24, 30]))
    def extend(self, deployment: str, actor: str, hours: int) -> None:
        with self.database.sessions() as session:
            row = session.get(DeploymentRow, deployment)
            end = row.end if row is not None else self.clock.now
        try:
            self.workflow.extend(
                actor, deployment, until=end + timedelta(hours=hours), reason="More time"
            )
            event("extended")
        except EXPECTED as error:
            event(f"extend refused: {type(error).__name__}")

    @rule(deployment=deployments, actor=ACTORS)
    def revoke(self, deployment: str, actor: str) -> None:
        try:
            self.workflow.revoke(actor, deployment, reason="Stand down")
            event("revoked")
        except EXPECTED:
            pass

    @rule(deployment=deployments, actor=ACTORS)
    def debrief(self, deployment: str, actor: str) -> None:
        try:
            self.workflow.debrief(actor, deployment, debrief())
            event("debriefed")
        except EXPECTED:
            event("debrief refused")

    @rule(minutes=st.sampled_from([30, 119, 121, 600, 1440, 60 * 24 * 10]))
    def advance(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)

    @rule()
    def sweep(self) -> None:
        self.workflow.sweep()

    @invariant()
    def guarantees_hold(self) -> None:
        now = self.clock.now
        with self.database.sessions() as session:
            users = {u.login: u for u in session.scalars(select(UserRow))}
            for row in session.scalars(select(DeploymentRow)):
                profile = PolicyProfile.model_validate(row.profile)
                hours = (row.end - row.start).total_seconds() / 3600
                assert hours <= profile.duration.max_total_hours + 1e-9, (row.id, hours)
                state = effective_state(row, now)
                if row.authorised_by is not None:
                    user = users[row.authorised_by]
                    role, rank = Role(user.role), Rank(user.rank)
                    normal = profile.authorise.allows(role, rank)
                    urgent = (
                        row.urgent
                        and profile.urgent.authority is not None
                        and (profile.urgent.authority.allows(role, rank))
                    )
                    assert normal or urgent, (row.id, user.login)
                    assert row.authorised_by != row.proposer
                if state is State.ACTIVE:
                    assert row.authorised_by is not None
                    assert row.start <= now < row.end
                    consulted = {
                        c.borough_code
                        for c in session.scalars(
                            select(ConsultationRow).where(ConsultationRow.deployment_id == row.id)
                        )
                        if c.role == Role.BOROUGH_COMMANDER.value
                    }
                    pending = row.urgent and row.ratified_at is None
                    if pending:
                        assert row.ratification_due is not None and now < row.ratification_due
                    else:
                        if profile.requirements.borough_consultation:
                            assert set(row.borough_codes) <= consulted, row.id
                        if profile.requirements.impact_assessment:
                            assert row.impact_assessment is not None, row.id
        assert self.workflow.verify_audit().ok


WorkflowMachine.TestCase.settings = settings(
    max_examples=15,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestWorkflowMachine = WorkflowMachine.TestCase
