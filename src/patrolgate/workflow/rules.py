"""The rules of a policy profile applied to facts: pure functions, each refusal in plain words.

Refusals name the profile and the rule, e.g.
``s60-statutory: extension beyond 48 h total is not permitted (requested 52 h)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from patrolgate.policy import Authority, PolicyProfile, Rank, Role, Step, Trigger
from patrolgate.policy.ranks import article
from patrolgate.timekeeping import hours, hours_text
from patrolgate.workflow.actors import Actor
from patrolgate.workflow.errors import NotAuthorised, PolicyViolation

COMMANDERS = (Role.BOROUGH_COMMANDER, Role.TACTICAL_COMMANDER, Role.STRATEGIC_COMMANDER)


@dataclass(frozen=True)
class IntelFact:
    """What the rules need of a linked intelligence summary."""

    id: str
    source: int
    assessment: str
    valid_from: datetime
    valid_to: datetime
    author: str


@dataclass(frozen=True)
class ConsultationFact:
    """What the rules need of a consultation."""

    consultee: str
    role: Role
    borough_code: str | None


@dataclass(frozen=True)
class DeploymentFacts:
    """What the rules need of a deployment."""

    proposer: str
    trigger: Trigger
    start: datetime
    end: datetime
    borough_codes: tuple[str, ...]
    borough_names: dict[str, str] = field(default_factory=dict)
    intelligence: tuple[IntelFact, ...] = ()
    consultations: tuple[ConsultationFact, ...] = ()
    impact_assessed: bool = False
    public_notice_before: bool = False
    investigators: tuple[str, ...] = ()
    extensions: int = 0
    authorised_by: str | None = None
    ratified_by: str | None = None

    def borough_words(self, code: str) -> str:
        """``Lambeth (E09000022)`` or the code alone."""
        name = self.borough_names.get(code)
        return f"{name} ({code})" if name else code


@dataclass(frozen=True)
class RarityFacts:
    """Earlier deployments in the same boroughs within the profile's rolling period."""

    deployments: int
    hours: float


@dataclass(frozen=True)
class AuthorisationDecision:
    """What an authorisation amounts to: urgent or not, escalated or not, and why."""

    urgent: bool
    escalated: bool
    escalation_reason: str | None = None


def _who(actor: Actor) -> str:
    return f"you are {article(actor.role.words)} {actor.describe()}"


def require_authority(
    profile: PolicyProfile, authority: Authority, actor: Actor, what: str
) -> None:
    """Refuse unless ``actor`` holds ``authority``."""
    if not authority.allows(actor.role, actor.rank):
        raise NotAuthorised(profile.refusal(f"{what} needs {authority.describe()} ({_who(actor)})"))


def check_proposal(
    profile: PolicyProfile,
    actor: Actor,
    *,
    trigger: Trigger,
    start: datetime,
    end: datetime,
    now: datetime,
    area_km2: float,
    criterion: str,
    rights_considered: bool,
) -> None:
    """Rules for a proposal: who proposes, trigger, times, duration, area, criterion."""
    require_authority(profile, profile.propose, actor, "a proposal")
    problems: list[str] = []
    req = profile.requirements
    if trigger not in req.triggers:
        allowed = ", ".join(t.value for t in req.triggers)
        problems.append(f"the trigger {trigger.value} is not allowed (allowed: {allowed})")
    if end <= start:
        problems.append("the end must be after the start")
    elif end <= now:
        problems.append("the end is already past")
    else:
        requested = hours(end - start)
        if requested > profile.duration.initial_hours:
            problems.append(
                f"an authorisation may last at most {hours_text(profile.duration.initial_hours)} "
                f"at first (requested {hours_text(requested)}); extensions are separate"
            )
    if req.max_area_km2 is not None and area_km2 > req.max_area_km2:
        problems.append(
            f"the area is {area_km2:.2f} km², more than the {req.max_area_km2:g} km² allowed; "
            "use the smallest area necessary"
        )
    if criterion not in req.criteria:
        problems.append(
            f"the criterion {criterion!r} is not one this power rests on "
            f"({', '.join(req.criteria)})"
        )
    if req.rights_consideration and not rights_considered:
        problems.append(
            "the rationale must record regard to freedom of expression and assembly "
            "(rights_consideration)"
        )
    _raise(profile, problems)


def _raise(profile: PolicyProfile, problems: Sequence[str]) -> None:
    if problems:
        raise PolicyViolation("; ".join(profile.refusal(p) for p in problems))


def check_consultee(profile: PolicyProfile, actor: Actor, facts: DeploymentFacts) -> str | None:
    """Who may be consulted; returns the borough a borough commander speaks for.

    Reads only the proposer and the affected boroughs of ``facts`` (the consultation
    action loads no more: :func:`~patrolgate.workflow.acting.row_facts`).
    """
    if actor.role is Role.COMMUNITY_OFFICER:
        return None
    if actor.role is not Role.BOROUGH_COMMANDER:
        raise NotAuthorised(
            profile.refusal(
                f"consultation is recorded by a borough commander or a community officer "
                f"({_who(actor)})"
            )
        )
    if actor.login == facts.proposer:
        raise NotAuthorised(profile.refusal("the proposer cannot also be the consultee"))
    if (
        profile.separation.consultee_must_command_affected_borough
        and actor.borough_code not in facts.borough_codes
    ):
        affected = ", ".join(facts.borough_words(b) for b in facts.borough_codes)
        raise NotAuthorised(
            profile.refusal(
                f"the consultee must be a commander of an affected borough ({affected}); "
                f"you command {actor.borough_code or 'no borough'}"
            )
        )
    return actor.borough_code


def _missing_steps(
    profile: PolicyProfile, facts: DeploymentFacts, deferred: Sequence[Step]
) -> list[str]:
    req = profile.requirements
    problems: list[str] = []
    if req.borough_consultation and Step.BOROUGH_CONSULTATION not in deferred:
        consulted = {
            c.borough_code for c in facts.consultations if c.role is Role.BOROUGH_COMMANDER
        }
        for borough in facts.borough_codes:
            if borough not in consulted:
                problems.append(
                    f"the borough commander of {facts.borough_words(borough)} has not been "
                    "consulted"
                )
    if req.impact_assessment and Step.IMPACT_ASSESSMENT not in deferred:
        if not facts.impact_assessed:
            problems.append("no community impact assessment has been recorded")
        elif req.public_notice.before and not facts.public_notice_before:
            problems.append(
                "the impact assessment must say how the public is told in advance "
                "(public_notice_before) or why that is not practicable"
            )
    elif req.public_notice.before and not facts.public_notice_before:
        problems.append("the public must be told in advance (record it in an impact assessment)")
    return problems


def _intelligence_problems(profile: PolicyProfile, facts: DeploymentFacts) -> list[str]:
    req = profile.requirements
    if req.min_reliable_intelligence == 0:
        return []
    reliable = [
        i
        for i in facts.intelligence
        if req.is_reliable(i.source, i.assessment)
        and i.valid_from < facts.end
        and i.valid_to > facts.start
    ]
    if len(reliable) >= req.min_reliable_intelligence:
        return []
    return [
        f"at least {req.min_reliable_intelligence} intelligence summary of a reliable grade "
        f"({req.reliable_words()}) valid during the deployment is needed; {len(reliable)} linked"
    ]


def _separation(profile: PolicyProfile, actor: Actor, facts: DeploymentFacts) -> None:
    sep = profile.separation
    if sep.proposer_may_not_authorise and actor.login == facts.proposer:
        raise NotAuthorised(profile.refusal("the proposer may not authorise their own proposal"))
    involved = set(facts.investigators) | {i.author for i in facts.intelligence}
    if sep.investigator_may_not_authorise and actor.login in involved:
        raise NotAuthorised(
            profile.refusal(
                "the authoriser may not be involved in the underlying investigation "
                "or its intelligence"
            )
        )


def check_authorisation(
    profile: PolicyProfile,
    actor: Actor,
    facts: DeploymentFacts,
    now: datetime,
    rarity: RarityFacts,
) -> AuthorisationDecision:
    """Rules for authorising: authority (or the urgent path), separation, steps, rarity."""
    urgent_path = profile.urgent
    normal = profile.authorise.allows(actor.role, actor.rank)
    urgent = (
        not normal
        and urgent_path.allowed
        and facts.trigger is Trigger.SERIOUS_ASSAULT
        and urgent_path.authority is not None
        and urgent_path.authority.allows(actor.role, actor.rank)
    )
    if not normal and not urgent:
        text = f"authorisation needs {profile.authorise.describe()}"
        if urgent_path.allowed and urgent_path.authority is not None:
            text += (
                f", or after a serious assault {urgent_path.authority.describe()} "
                "subject to ratification"
            )
        raise NotAuthorised(profile.refusal(f"{text} ({_who(actor)})"))
    _separation(profile, actor, facts)
    problems: list[str] = []
    if now >= facts.end:
        problems.append("the requested period has already ended")
    deferred = urgent_path.deferred_steps if urgent else ()
    problems += _missing_steps(profile, facts, deferred)
    problems += _intelligence_problems(profile, facts)
    _raise(profile, problems)
    escalation = _rarity_escalation(profile, facts, rarity)
    if escalation is not None and actor.rank < profile.rarity.escalated_min_rank:
        raise PolicyViolation(
            profile.refusal(
                f"{escalation}; beyond that, authorisation needs "
                f"{profile.rarity.escalated_min_rank.words} rank or above "
                f"(you are {article(actor.rank.words)} {actor.rank.words})"
            )
        )
    return AuthorisationDecision(urgent, escalation is not None, escalation)


def _rarity_escalation(
    profile: PolicyProfile, facts: DeploymentFacts, rarity: RarityFacts
) -> str | None:
    limit = profile.rarity
    this_hours = hours(facts.end - facts.start)
    where = ", ".join(facts.borough_words(b) for b in facts.borough_codes)
    if rarity.deployments + 1 > limit.max_deployments:
        return (
            f"this would be deployment {rarity.deployments + 1} in {where} within "
            f"{limit.period_days} days (rarity limit {limit.max_deployments})"
        )
    if rarity.hours + this_hours > limit.max_hours:
        return (
            f"this would make {hours_text(rarity.hours + this_hours)} of deployment in {where} "
            f"within {limit.period_days} days (rarity limit {hours_text(limit.max_hours)})"
        )
    return None


def check_ratification(
    profile: PolicyProfile, actor: Actor, facts: DeploymentFacts, now: datetime, due: datetime
) -> None:
    """Rules for ratifying an urgent authorisation."""
    ratify = profile.urgent.ratify
    if ratify is None:
        raise PolicyViolation(profile.refusal("this power has no ratification step"))
    require_authority(profile, ratify, actor, "ratification")
    if actor.login == facts.authorised_by:
        raise NotAuthorised(
            profile.refusal("the urgent authoriser may not ratify their own decision")
        )
    _separation(profile, actor, facts)
    problems = []
    if now >= due:
        problems.append("the ratification window has passed; the authorisation has lapsed")
    problems += _missing_steps(profile, facts, ())
    _raise(profile, problems)


def check_extension(
    profile: PolicyProfile, actor: Actor, facts: DeploymentFacts, new_end: datetime, now: datetime
) -> int:
    """Rules for an extension; returns the extension step (0-based) it uses."""
    if not profile.extensions:
        raise PolicyViolation(
            profile.refusal("an authorisation under this power may not be extended")
        )
    step = facts.extensions
    if step >= len(profile.extensions):
        raise PolicyViolation(
            profile.refusal(
                f"no further extension is permitted ({step} already granted, "
                f"{len(profile.extensions)} allowed)"
            )
        )
    rule = profile.extensions[step]
    ordinal = ("first", "second", "third", "fourth")[step] if step < 4 else f"extension {step + 1}"
    require_authority(profile, rule, actor, f"the {ordinal} extension")
    problems: list[str] = []
    if new_end <= facts.end:
        problems.append("the new end must be after the current end")
    else:
        added = hours(new_end - facts.end)
        if added > rule.hours:
            problems.append(
                f"the {ordinal} extension may add at most {hours_text(rule.hours)} "
                f"(requested {hours_text(added)})"
            )
        total = hours(new_end - facts.start)
        if total > profile.duration.max_total_hours:
            problems.append(
                f"extension beyond {hours_text(profile.duration.max_total_hours)} total is not "
                f"permitted (requested {hours_text(total)})"
            )
    if now >= facts.end:
        problems.append("the deployment has already ended")
    _raise(profile, problems)
    return step


def check_stand_down(
    profile: PolicyProfile, actor: Actor, facts: DeploymentFacts, what: str
) -> None:
    """Who may revoke or complete: the profile's revoke authority, or the authoriser."""
    if actor.login in (facts.authorised_by, facts.ratified_by):
        return
    require_authority(profile, profile.revoke, actor, what)


def check_debrief(
    profile: PolicyProfile, actor: Actor, facts: DeploymentFacts, public_notice_after: bool
) -> None:
    """Who debriefs, and the public notice afterwards where the profile requires it."""
    if actor.login not in (facts.proposer, facts.authorised_by) and actor.role not in COMMANDERS:
        raise NotAuthorised(
            profile.refusal(
                f"a debrief is recorded by the proposer, authoriser or a commander ({_who(actor)})"
            )
        )
    if profile.requirements.public_notice.after and not public_notice_after:
        raise PolicyViolation(
            profile.refusal(
                "the debrief must record how the public was told afterwards (public_notice_after)"
            )
        )


def minimum_rank_words(rank: Rank) -> str:
    """``an inspector`` for messages."""
    return f"{article(rank.words)} {rank.words}"
