"""What a deployment still needs, what each user may do on it now, and why not.

The same rule functions the handlers enforce (:mod:`patrolgate.workflow.rules`) are asked
here, with the same facts, without writing anything: the checklist is the list of
requirements whose missing items are the refusal's words; each action's verdict is the
refusal the handler would raise (or its warnings, such as a rarity escalation, when it
would pass). So a page never offers an action the rules will refuse without saying so
first, and "nothing you may do" says why: the role, rank or borough, or the state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.orm import Session

from patrolgate.policy import PolicyProfile, Role
from patrolgate.store.workflow_tables import DeploymentRow
from patrolgate.timekeeping import hours_text
from patrolgate.workflow.acting import facts_of, profile_of
from patrolgate.workflow.actors import Actor, same_person
from patrolgate.workflow.errors import InvalidTransition, NotAuthorised, PolicyViolation
from patrolgate.workflow.lifecycle import ALLOWED_FROM, State, effective_state
from patrolgate.workflow.rarity_count import rarity_facts
from patrolgate.workflow.rules import (
    NO_RARITY,
    DeploymentFacts,
    RarityFacts,
    RarityPosition,
    Requirement,
    check_assessor,
    check_authorisation,
    check_consultee,
    check_debriefer,
    check_extender,
    check_notice_recorder,
    check_pre_approver,
    check_ratification,
    check_responder,
    check_stand_down,
    check_submit,
    ordinal,
    rarity_position,
    rarity_warnings,
    requirements,
    urgent_allowed,
)
from patrolgate.workflow.views import Dossier

#: Every action a deployment page can offer, in the order it shows them, with its words.
ACTIONS: dict[str, str] = {
    "submit": "Submit the draft",
    "consult": "Record a consultation",
    "assess-impact": "Record the community impact assessment",
    "respond": "Answer an objection or a high residual risk",
    "pre-approve": "Pre-approve beyond the rarity ceiling",
    "authorise": "Authorise",
    "ratify": "Ratify the urgent authorisation",
    "record-notice": "Record that a superintendent was told",
    "extend": "Extend",
    "complete": "Stand down (job done)",
    "revoke": "Revoke",
    "debrief": "Record the debrief",
}

Outcome = Literal["allowed", "refused", "not-yours", "not-now"]


@dataclass(frozen=True)
class Verdict:
    """What the rules say of one action by one user now.

    ``allowed``: it would pass (``warnings`` say what it sets off); ``refused``: the user
    holds the authority but a rule refuses it now (``reason``); ``not-yours``: the role,
    rank, borough or involvement rules the user out; ``not-now``: the state does not allow it.
    """

    action: str
    label: str
    outcome: Outcome
    reason: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def offered(self) -> bool:
        """Shown as a form: it would pass, or it is the user's to take once a rule is met
        (and the page says which rule first)."""
        return self.outcome in ("allowed", "refused")

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "action": self.action,
            "label": self.label,
            "outcome": self.outcome,
            "reason": self.reason,
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class Evaluation:
    """The rules' answer on one deployment for one user at one instant."""

    state: State
    checklist: tuple[Requirement, ...]
    authoriser: str
    authorised_by: str | None
    verdicts: tuple[Verdict, ...]
    rarity: RarityPosition | None
    facts: DeploymentFacts = field(repr=False)
    #: What an authorisation now would set off (escalation, oversight), whoever reads it.
    warnings: tuple[str, ...] = ()
    #: The rarity position in words ("this would be the 2nd armed patrol in Lambeth ...").
    rarity_text: str | None = None

    @property
    def actions(self) -> list[str]:
        """The actions that would pass now."""
        return [v.action for v in self.verdicts if v.outcome == "allowed"]

    def verdict(self, action: str) -> Verdict:
        """The verdict on ``action``."""
        return next(v for v in self.verdicts if v.action == action)

    @property
    def ready(self) -> bool:
        """Every requirement before authorisation is met."""
        return all(item.met for item in self.checklist)

    def why_nothing(self) -> list[str]:
        """Why the user may do nothing now, specifically: what rules them out (role, rank,
        borough, involvement) for each action the state allows, else the state itself and
        what it would take."""
        if any(v.offered for v in self.verdicts):
            return []
        relevant = [v for v in self.verdicts if v.outcome == "not-yours" and v.reason]
        if relevant:
            return [f"{v.label}: {v.reason}" for v in relevant]
        later = [v for v in self.verdicts if v.outcome == "not-now" and v.reason]
        if self.state in (State.ENDED, State.DEBRIEFED) and not later:
            return [f"the deployment is {self.state.value}: nothing is left to do on it"]
        if later:
            return [
                f"the deployment is {self.state.value}, so no action is open to you now",
                *(
                    f"{v.label}: {v.reason}"
                    for v in later
                    if "deployment is" not in (v.reason or "")
                ),
            ]
        return [f"nothing can be done on a deployment that is {self.state.value}"]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, as the deployment page and the API give it."""
        return {
            "state": self.state.value,
            "checklist": [
                {"key": i.key, "label": i.label, "done": i.met, "detail": i.detail}
                for i in self.checklist
            ]
            + [
                {
                    "key": "authoriser",
                    "label": f"Authoriser: {self.authoriser}",
                    "done": self.authorised_by is not None,
                    "detail": f"authorised by {self.authorised_by}"
                    if self.authorised_by
                    else "not yet authorised",
                }
            ],
            "ready": self.ready,
            "actions": self.actions,
            "verdicts": [v.as_dict() for v in self.verdicts],
            "offered": [v.action for v in self.verdicts if v.offered],
            "why_nothing": self.why_nothing(),
            "rarity": self.rarity.as_dict() if self.rarity is not None else None,
            "rarity_text": self.rarity_text,
            "warnings": list(self.warnings),
            "awaiting_debrief": self.state is State.ENDED,
        }


def _verdict(action: str, check: Callable[[], object], warnings: tuple[str, ...] = ()) -> Verdict:
    label = ACTIONS[action]
    try:
        check()
    except NotAuthorised as error:
        return Verdict(action, label, "not-yours", str(error))
    except InvalidTransition as error:
        return Verdict(action, label, "not-now", str(error))
    except PolicyViolation as error:
        return Verdict(action, label, "refused", str(error), warnings)
    return Verdict(action, label, "allowed", None, warnings)


def _checks(
    profile: PolicyProfile,
    actor: Actor,
    row: DeploymentRow,
    facts: DeploymentFacts,
    now: datetime,
    rarity: RarityFacts,
) -> dict[str, Callable[[], object]]:
    """The rule each action's handler enforces, before its input is known."""
    ratifiable = facts.awaiting_ratification and row.ratification_due is not None
    due = row.ratification_due or now

    def authorise() -> object:
        if ratifiable:
            raise InvalidTransition(
                profile.refusal("an urgent authorisation is ratified, not authorised again")
            )
        return check_authorisation(profile, actor, facts, now, rarity)

    def ratify() -> object:
        if not ratifiable:
            raise InvalidTransition(profile.refusal(f"deployment {row.id} has nothing to ratify"))
        check_ratification(profile, actor, facts, now, due)
        return None

    return {
        "submit": lambda: check_submit(profile, actor, facts),
        "consult": lambda: check_consultee(profile, actor, facts),
        "assess-impact": lambda: check_assessor(profile, actor, facts),
        "respond": lambda: check_responder(profile, actor, facts),
        "pre-approve": lambda: check_pre_approver(profile, actor, facts),
        "authorise": authorise,
        "ratify": ratify,
        "record-notice": lambda: check_notice_recorder(profile, actor, facts),
        "extend": lambda: check_extender(profile, actor, facts, now),
        "complete": lambda: check_stand_down(profile, actor, facts, "complete"),
        "revoke": lambda: check_stand_down(profile, actor, facts, "revoke"),
        "debrief": lambda: check_debriefer(profile, actor, facts),
    }


def evaluate(
    actor: Actor,
    row: DeploymentRow,
    facts: DeploymentFacts,
    now: datetime,
    rarity: RarityFacts,
    *,
    notice_open: bool = False,
) -> Evaluation:
    """The checklist and a verdict on every action for ``actor``, from the rules."""
    profile = profile_of(row)
    state = effective_state(row, now)
    deferred = profile.urgent.deferred_steps if urgent_allowed(profile, actor, facts) else ()
    checklist = tuple(requirements(profile, facts, now, () if row.authorised_at else deferred))
    position = rarity_position(profile, facts, rarity) if row.authorised_at is None else None
    warnings = rarity_warnings(profile, position)
    rarity_text = _rarity_text(profile, position)
    verdicts = []
    for action, check in _checks(profile, actor, row, facts, now, rarity).items():
        if state not in ALLOWED_FROM[action]:
            allowed = " or ".join(s.value for s in ALLOWED_FROM[action])
            verdicts.append(
                Verdict(
                    action,
                    ACTIONS[action],
                    "not-now",
                    profile.refusal(f"the deployment is {state.value}; this needs it {allowed}"),
                )
            )
            continue
        if action == "record-notice" and not notice_open:
            verdicts.append(
                Verdict(action, ACTIONS[action], "not-now", "no notice to a senior officer is owed")
            )
            continue
        verdicts.append(_verdict(action, check, warnings if action == "authorise" else ()))
    return Evaluation(
        state=state,
        checklist=checklist,
        authoriser=profile.authorise.describe(),
        authorised_by=row.authorised_by,
        verdicts=tuple(verdicts),
        rarity=position,
        facts=facts,
        warnings=warnings,
        rarity_text=rarity_text,
    )


def _rarity_text(profile: PolicyProfile, position: RarityPosition | None) -> str | None:
    """The rarity position in words, with what it requires (from the same position the
    authorisation's check and warnings use)."""
    if position is None:
        return None
    limit = profile.rarity
    where = (
        f"this would be the {ordinal(position.ordinal)} {profile.noun} in {position.borough} "
        f"within {limit.period_days} days ({hours_text(position.hours)} in all)"
    )
    if position.beyond_ceiling is not None:
        return f"{where}: beyond the ceiling, only oversight's recorded pre-approval allows it"
    if position.escalation is not None:
        needs = f"authorisation needs {limit.escalated_min_rank.words} rank"
        if limit.notify_oversight:
            needs += " and notifies oversight"
        return f"{where}: {needs}"
    return (
        f"{where}: within the rarity limit of {limit.max_deployments} "
        f"({hours_text(limit.max_hours)}), so the usual authoriser suffices"
    )


def evaluate_in(
    session: Session, actor: Actor, row: DeploymentRow, now: datetime, *, rarity: bool = True
) -> Evaluation:
    """The evaluation of a deployment read in ``session`` (its facts and, unless
    ``rarity`` is false, its rarity counts)."""
    from patrolgate.store.deployment_repository import task

    profile = profile_of(row)
    facts = facts_of(session, row)
    counts = (
        rarity_facts(session, row, profile, now, lock=False)
        if rarity and row.authorised_at is None
        else NO_RARITY
    )
    owed = task(session, row.id, "superior-notice")
    return evaluate(
        actor, row, facts, now, counts, notice_open=owed is not None and owed.done_at is None
    )


#: The actions whose verdict or ownership the rarity counts can change.
RARITY_BOUND = ("authorise", "pre-approve")


def inbox_evaluation(
    session: Session, actor: Actor, row: DeploymentRow, now: datetime
) -> Evaluation:
    """The evaluation an inbox needs, counting rarity only where it can matter.

    Counting rarity reads every deployment around this one, so an inbox (and the count in
    every page's navigation) that counted it for each deployment would grow with the square
    of their number. The counts only ever add refusals and escalations to ``authorise`` and
    ``pre-approve``: where the user holds neither (their verdicts are ``not-yours`` or
    ``not-now`` without the counts, and the counts never turn those into ``allowed`` or
    ``refused``), the evaluation without them owes the same actions.
    """
    quick = evaluate_in(session, actor, row, now, rarity=False)
    if row.authorised_at is None and any(
        v.action in RARITY_BOUND and v.outcome in ("allowed", "refused") for v in quick.verdicts
    ):
        return evaluate_in(session, actor, row, now)
    return quick


def dossier_evaluation(dossier: Dossier) -> Evaluation:
    """The evaluation of a deployment whose page was read already (its facts, rarity
    counts and open tasks come with it)."""
    return evaluate(
        dossier.actor,
        dossier.row,
        dossier.facts,
        dossier.now,
        dossier.rarity,
        notice_open=dossier.notice_open,
    )


def dossier_guide(dossier: Dossier) -> dict[str, Any]:
    """The checklist and every verdict for a deployment already read, JSON-ready."""
    return dossier_evaluation(dossier).as_dict()


#: Who is owed what in an inbox: actions that mean "this awaits you".
AWAITING = {
    "submit": "submit the draft",
    "consult": "consultation for your borough",
    "assess-impact": "community impact assessment",
    "respond": "a written response to an objection or a high residual risk",
    "authorise": "authorisation",
    "ratify": "ratification of an urgent authorisation",
    "record-notice": "report the authorisation to a superintendent",
    "debrief": "debrief due",
    "pre-approve": "pre-approval beyond the rarity ceiling requested",
}


def owed(evaluation: Evaluation, actor: Actor, row: DeploymentRow) -> list[str]:
    """The actions awaiting ``actor`` on a deployment (extend, complete and revoke are
    offered, never owed; a debrief only to whoever it is assigned to, and the proposer)."""
    due = []
    for verdict in evaluation.verdicts:
        if verdict.action not in AWAITING:
            continue
        if verdict.outcome == "allowed" or (
            verdict.outcome == "refused" and verdict.action in ("authorise", "ratify")
        ):
            due.append(verdict.action)
    if "assess-impact" in due and evaluation.facts.impact_assessed:
        due.remove("assess-impact")
    if "consult" in due and (
        actor.role is Role.COMMUNITY_OFFICER
        or any(same_person(actor.login, c.consultee) for c in evaluation.facts.consultations)
    ):
        due.remove("consult")  # community officers may respond, but are not owed; nor twice
    if "debrief" in due and not any(
        same_person(actor.login, who)
        for who in (row.ratified_by or row.authorised_by, row.proposer)
    ):
        due.remove("debrief")
    if "pre-approve" in due and not _beyond_ceiling(evaluation):
        due.remove("pre-approve")
    if "respond" in due and _answered(evaluation):
        due.remove("respond")
    if "authorise" in due and not _theirs_to_decide(evaluation, actor, row):
        due.remove("authorise")  # a higher rank's, or oversight's pre-approval first
    return due


def _theirs_to_decide(evaluation: Evaluation, actor: Actor, row: DeploymentRow) -> bool:
    """Whether a rarity position leaves the authorisation to ``actor`` (their rank covers
    an escalation, and oversight has pre-approved anything beyond the ceiling)."""
    position = evaluation.rarity
    if position is None or evaluation.verdict("authorise").outcome == "allowed":
        return True
    if _beyond_ceiling(evaluation):
        return False
    escalated = profile_of(row).rarity.escalated_min_rank
    return position.escalation is None or actor.rank >= escalated


def _beyond_ceiling(evaluation: Evaluation) -> bool:
    return (
        evaluation.rarity is not None
        and evaluation.rarity.beyond_ceiling is not None
        and evaluation.facts.pre_approved_by is None
    )


def _answered(evaluation: Evaluation) -> bool:
    return all(item.met for item in evaluation.checklist if item.key.startswith("response:"))
