"""The rules of a policy profile applied to facts: pure functions, each refusal in plain words.

Refusals name the profile and the rule, e.g.
``s60-statutory: extension beyond 48 h total is not permitted (requested 52 h)``.

Every person is compared with :func:`~patrolgate.workflow.actors.same_person` (case,
white space, compatibility forms and invisible characters ignored), never as raw strings.
The checklist, the actions a page offers and the refusals all come from these functions
(:mod:`patrolgate.workflow.decisions_view` asks them; the handlers enforce them).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from patrolgate.policy import Authority, PolicyProfile, Rank, Role, Step, Trigger
from patrolgate.policy.ranks import article
from patrolgate.timekeeping import hours, hours_text
from patrolgate.workflow.actors import Actor, same_person
from patrolgate.workflow.errors import InvalidTransition, NotAuthorised, PolicyViolation

COMMANDERS = (Role.BOROUGH_COMMANDER, Role.TACTICAL_COMMANDER, Role.STRATEGIC_COMMANDER)
#: Residual risk at which the authoriser must answer the impact assessment in writing.
HIGH_RISK = "high"


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
    outcome: str = "support"
    id: int | None = None


@dataclass(frozen=True)
class ResponseFact:
    """A written response to an objection (``consultation_id``) or to a high residual risk."""

    responder: str
    concerning: str
    consultation_id: int | None
    recorded_at: datetime


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
    impact_residual_risk: str | None = None
    impact_next_review: datetime | None = None
    impact_assessed_at: datetime | None = None
    responses: tuple[ResponseFact, ...] = ()
    pre_approved_by: str | None = None
    #: An urgent authorisation not ratified yet.
    awaiting_ratification: bool = False

    def borough_words(self, code: str) -> str:
        """``Lambeth`` (the name, as the pages show areas), or the code when it has none."""
        return self.borough_names.get(code) or code

    @property
    def where(self) -> str:
        """The affected boroughs in words."""
        return ", ".join(self.borough_words(b) for b in self.borough_codes) or "no borough"

    @property
    def objections(self) -> tuple[ConsultationFact, ...]:
        """Consultations that objected."""
        return tuple(c for c in self.consultations if c.outcome == "object")

    @property
    def high_risk(self) -> bool:
        """The impact assessment leaves a high residual risk."""
        return self.impact_assessed and self.impact_residual_risk == HIGH_RISK


@dataclass(frozen=True)
class BoroughRarity:
    """Other deployments under the same power sharing one borough within the window."""

    code: str
    name: str
    others: int
    other_hours: float
    deployment_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class RarityFacts:
    """Per affected borough, the deployments under the same power (authorised, active or
    pending authorisation) whose period falls within the profile's period before or after
    the one decided, and their hours."""

    boroughs: tuple[BoroughRarity, ...] = ()


NO_RARITY = RarityFacts()


@dataclass(frozen=True)
class RarityPosition:
    """Where a deployment stands against its profile's rarity guard-rail."""

    borough: str
    ordinal: int
    hours: float
    escalation: str | None
    beyond_ceiling: str | None

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "borough": self.borough,
            "ordinal": self.ordinal,
            "hours": round(self.hours, 2),
            "escalation": self.escalation,
            "beyond_ceiling": self.beyond_ceiling,
        }


@dataclass(frozen=True)
class AuthorisationDecision:
    """What an authorisation amounts to: urgent or not, escalated or not, and why."""

    urgent: bool
    escalated: bool
    escalation_reason: str | None = None
    rarity: RarityPosition | None = None
    warnings: tuple[str, ...] = ()


def ordinal(number: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``11th``."""
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _who(actor: Actor) -> str:
    return f"you are {article(actor.role.words)} {actor.describe()}"


def _raise(profile: PolicyProfile, problems: Sequence[str]) -> None:
    if problems:
        raise PolicyViolation("; ".join(profile.refusal(p) for p in problems))


def _anyone(login: str, people: Iterable[str | None]) -> bool:
    return any(same_person(login, other) for other in people)


def require_authority(
    profile: PolicyProfile, authority: Authority, actor: Actor, what: str
) -> None:
    """Refuse unless ``actor`` holds ``authority``."""
    if not authority.allows(actor.role, actor.rank):
        raise NotAuthorised(profile.refusal(f"{what} needs {authority.describe()} ({_who(actor)})"))


def require_own_borough(
    profile: PolicyProfile, actor: Actor, facts: DeploymentFacts, what: str
) -> None:
    """Users of the roles the profile confines to their borough act only on deployments
    that touch it (borough commanders, by default)."""
    _confine(profile, actor, facts.borough_codes, facts.where, what)


def _confine(
    profile: PolicyProfile, actor: Actor, boroughs: Sequence[str], where: str, what: str
) -> None:
    if actor.role not in profile.separation.own_borough_roles:
        return
    if actor.borough_code is not None and actor.borough_code in boroughs:
        return
    raise NotAuthorised(
        profile.refusal(
            f"{what}: {article(actor.role.words)} {actor.role.words} acts only on deployments "
            f"in their own borough (this one is in {where or 'no borough'}; you command "
            f"{actor.borough_code or 'no borough'})"
        )
    )


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
    borough_codes: Sequence[str] | None = None,
) -> None:
    """Rules for a proposal: who proposes (and where), trigger, times, duration, area,
    criterion."""
    require_authority(profile, profile.propose, actor, "a proposal")
    if borough_codes is not None:
        _confine(profile, actor, borough_codes, ", ".join(borough_codes), "a proposal")
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
        problems += _horizon(profile, trigger, start, now, "proposed")
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


def _horizon(
    profile: PolicyProfile, trigger: Trigger, start: datetime, now: datetime, when: str
) -> list[str]:
    limit = profile.requirements.start_within_hours
    if limit is None or start - now <= timedelta(hours=limit):
        return []
    why = "imminent" if trigger is Trigger.IMMINENT_INTELLIGENCE else "a response to an assault"
    return [
        f"a deployment {why} must start within {hours_text(limit)} of being {when} "
        f"(it starts in {hours_text(hours(start - now))})"
    ]


def check_submit(profile: PolicyProfile, actor: Actor, facts: DeploymentFacts) -> None:
    """Only the proposer submits their draft."""
    if not same_person(actor.login, facts.proposer):
        raise NotAuthorised(profile.refusal("only the proposer submits a draft"))


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
    if same_person(actor.login, facts.proposer):
        raise NotAuthorised(profile.refusal("the proposer cannot also be the consultee"))
    if (
        profile.separation.consultee_must_command_affected_borough
        and actor.borough_code not in facts.borough_codes
    ):
        raise NotAuthorised(
            profile.refusal(
                f"the consultee must be a commander of an affected borough ({facts.where}); "
                f"you command {actor.borough_code or 'no borough'}"
            )
        )
    return actor.borough_code


#: Who records the community impact assessment.
ASSESSORS = (Role.STRATEGIC_COMMANDER, Role.COMMUNITY_OFFICER)


def check_assessor(profile: PolicyProfile, actor: Actor, facts: DeploymentFacts) -> None:
    """The strategic commander or a community officer records the impact assessment."""
    if actor.role not in ASSESSORS:
        raise NotAuthorised(
            profile.refusal(
                "the impact assessment is recorded by the strategic commander or a community "
                f"officer ({_who(actor)})"
            )
        )
    require_own_borough(profile, actor, facts, "the impact assessment")


def _requirement_problems(
    profile: PolicyProfile, facts: DeploymentFacts, now: datetime, deferred: Sequence[Step]
) -> list[str]:
    return [
        item.problem
        for item in requirements(profile, facts, now, deferred)
        if not item.met and item.problem
    ]


@dataclass(frozen=True)
class Requirement:
    """One thing a decision needs, met or not; ``problem`` is the refusal's words (empty
    when another requirement's refusal already says it)."""

    key: str
    label: str
    met: bool
    detail: str
    problem: str


def requirements(
    profile: PolicyProfile, facts: DeploymentFacts, now: datetime, deferred: Sequence[Step] = ()
) -> list[Requirement]:
    """What must be in place before authorisation (``deferred`` steps left out): the
    checklist a page shows, and the words of the refusal when one is missing."""
    req = profile.requirements
    items: list[Requirement] = []
    if req.borough_consultation and Step.BOROUGH_CONSULTATION not in deferred:
        consulted = {
            c.borough_code for c in facts.consultations if c.role is Role.BOROUGH_COMMANDER
        }
        for borough in facts.borough_codes:
            done = borough in consulted
            items.append(
                Requirement(
                    f"consultation:{borough}",
                    f"Consultation: borough commander of {facts.borough_words(borough)}",
                    done,
                    "recorded" if done else "awaiting the borough commander",
                    f"the borough commander of {facts.borough_words(borough)} has not been "
                    "consulted",
                )
            )
    if req.impact_assessment and Step.IMPACT_ASSESSMENT not in deferred:
        items.append(
            Requirement(
                "impact-assessment",
                "Community impact assessment",
                facts.impact_assessed,
                "recorded"
                if facts.impact_assessed
                else "awaiting a community officer or the strategic commander",
                "no community impact assessment has been recorded",
            )
        )
    if facts.impact_assessed and facts.impact_next_review is not None:
        current = facts.impact_next_review > now
        items.append(
            Requirement(
                "impact-review",
                "Impact assessment within its review date",
                current,
                f"next review due {facts.impact_next_review.isoformat()}"
                if current
                else f"its review date {facts.impact_next_review.isoformat()} has passed",
                "the community impact assessment is past its review date "
                f"({facts.impact_next_review.isoformat()}); review it first",
            )
        )
    if req.public_notice.before:
        assessing = req.impact_assessment and Step.IMPACT_ASSESSMENT not in deferred
        if not assessing:
            problem = "the public must be told in advance (record it in an impact assessment)"
        elif facts.impact_assessed:
            problem = (
                "the impact assessment must say how the public is told in advance "
                "(public_notice_before) or why that is not practicable"
            )
        else:
            problem = ""  # the missing assessment, where notice is recorded, is said already
        items.append(
            Requirement(
                "public-notice",
                "Public told in advance (or why not practicable)",
                facts.public_notice_before,
                "recorded in the impact assessment"
                if facts.public_notice_before
                else "to be recorded in the impact assessment",
                problem,
            )
        )
    items += _intelligence_requirements(profile, facts)
    items += _response_requirements(facts)
    return items


def _reliable(profile: PolicyProfile, facts: DeploymentFacts) -> list[IntelFact]:
    req = profile.requirements
    return [
        i
        for i in facts.intelligence
        if req.is_reliable(i.source, i.assessment)
        and i.valid_from < facts.end
        and i.valid_to > facts.start
    ]


def _intelligence_requirements(profile: PolicyProfile, facts: DeploymentFacts) -> list[Requirement]:
    req = profile.requirements
    if req.min_reliable_intelligence == 0:
        return []
    reliable = _reliable(profile, facts)
    independent = [i for i in reliable if not same_person(i.author, facts.proposer)]
    grades = ", ".join(f"{i.source}{i.assessment}" for i in facts.intelligence) or "none"
    label = (
        f"Intelligence of a reliable grade ({req.reliable_words()}), valid during the deployment"
    )
    if len(reliable) < req.min_reliable_intelligence:
        return [
            Requirement(
                "intelligence",
                label,
                False,
                f"{len(reliable)} of {req.min_reliable_intelligence} needed linked ({grades})",
                f"at least {req.min_reliable_intelligence} intelligence summary of a reliable "
                f"grade ({req.reliable_words()}) valid during the deployment is needed; "
                f"{len(reliable)} linked",
            )
        ]
    if len(independent) < req.min_reliable_intelligence:
        return [
            Requirement(
                "intelligence",
                label,
                False,
                "graded only by the proposer themselves",
                "intelligence graded by the proposer themselves cannot be the sole basis; "
                "link a reliable summary graded by someone else",
            )
        ]
    return [
        Requirement(
            "intelligence",
            label,
            True,
            f"{len(independent)} of {req.min_reliable_intelligence} needed linked ({grades})",
            "",
        )
    ]


def _response_requirements(facts: DeploymentFacts) -> list[Requirement]:
    items = []
    for objection in facts.objections:
        answered = [r for r in facts.responses if r.consultation_id == objection.id]
        who = objection.consultee + (
            f", {facts.borough_words(objection.borough_code)}" if objection.borough_code else ""
        )
        items.append(
            Requirement(
                f"response:objection:{objection.id}",
                f"Written response to the objection of {who}",
                bool(answered),
                f"answered by {answered[-1].responder}"
                if answered
                else "awaiting the authoriser's written response",
                f"the objection of {who} needs the authoriser's written response first",
            )
        )
    if facts.high_risk:
        answered = [
            r
            for r in facts.responses
            if r.concerning == "residual-risk"
            and (facts.impact_assessed_at is None or r.recorded_at >= facts.impact_assessed_at)
        ]
        items.append(
            Requirement(
                "response:residual-risk",
                "Written response to the high residual risk",
                bool(answered),
                f"answered by {answered[-1].responder}"
                if answered
                else "awaiting the authoriser's written response",
                "the impact assessment's high residual risk needs the authoriser's written "
                "response first",
            )
        )
    return items


def _own_responses(profile: PolicyProfile, actor: Actor, facts: DeploymentFacts) -> list[str]:
    """Objections and high risk answered, but by someone other than this decision-maker."""
    problems = []
    for objection in facts.objections:
        answered = [r for r in facts.responses if r.consultation_id == objection.id]
        if answered and not _anyone(actor.login, (r.responder for r in answered)):
            problems.append(
                f"the objection of {objection.consultee} needs your own written response "
                f"(it was answered by {answered[-1].responder}; the one who decides answers)"
            )
    if facts.high_risk:
        answered = [r for r in facts.responses if r.concerning == "residual-risk"]
        if answered and not _anyone(actor.login, (r.responder for r in answered)):
            problems.append(
                "the high residual risk needs your own written response (it was answered by "
                f"{answered[-1].responder}; the one who decides answers)"
            )
    return problems


def _separation(profile: PolicyProfile, actor: Actor, facts: DeploymentFacts) -> None:
    sep = profile.separation
    if sep.proposer_may_not_authorise and same_person(actor.login, facts.proposer):
        raise NotAuthorised(profile.refusal("the proposer may not authorise their own proposal"))
    involved = [*facts.investigators, *(i.author for i in facts.intelligence)]
    if sep.investigator_may_not_authorise and _anyone(actor.login, involved):
        raise NotAuthorised(
            profile.refusal(
                "the authoriser may not be involved in the underlying investigation "
                "or its intelligence"
            )
        )
    if sep.consultee_may_not_authorise and _anyone(
        actor.login, (c.consultee for c in facts.consultations)
    ):
        raise NotAuthorised(
            profile.refusal("the authoriser may not be someone consulted on the deployment")
        )


def urgent_allowed(profile: PolicyProfile, actor: Actor, facts: DeploymentFacts) -> bool:
    """Whether ``actor`` may use the urgent path (after a serious assault) instead."""
    urgent = profile.urgent
    return bool(
        not profile.authorise.allows(actor.role, actor.rank)
        and urgent.allowed
        and facts.trigger is Trigger.SERIOUS_ASSAULT
        and urgent.authority is not None
        and urgent.authority.allows(actor.role, actor.rank)
    )


def check_authoriser(profile: PolicyProfile, actor: Actor, facts: DeploymentFacts) -> bool:
    """Who may authorise (the normal path, or the urgent one); returns whether urgent."""
    urgent = urgent_allowed(profile, actor, facts)
    if not profile.authorise.allows(actor.role, actor.rank) and not urgent:
        text = f"authorisation needs {profile.authorise.describe()}"
        path = profile.urgent
        if path.allowed and path.authority is not None:
            text += (
                f", or after a serious assault {path.authority.describe()} subject to ratification"
            )
        raise NotAuthorised(profile.refusal(f"{text} ({_who(actor)})"))
    require_own_borough(profile, actor, facts, "authorisation")
    _separation(profile, actor, facts)
    return urgent


def check_authorisation(
    profile: PolicyProfile,
    actor: Actor,
    facts: DeploymentFacts,
    now: datetime,
    rarity: RarityFacts,
) -> AuthorisationDecision:
    """Rules for authorising: authority (or the urgent path), borough, separation, steps,
    responses, how soon it starts, rarity."""
    urgent = check_authoriser(profile, actor, facts)
    problems: list[str] = []
    if now >= facts.end:
        problems.append("the requested period has already ended")
    else:
        problems += _horizon(profile, facts.trigger, facts.start, now, "authorised")
    deferred = profile.urgent.deferred_steps if urgent else ()
    problems += _requirement_problems(profile, facts, now, deferred)
    problems += _own_responses(profile, actor, facts)
    _raise(profile, problems)
    position = rarity_position(profile, facts, rarity)
    escalated = position is not None and position.escalation is not None
    if position is not None and position.beyond_ceiling is not None and not facts.pre_approved_by:
        raise PolicyViolation(
            profile.refusal(
                f"{position.beyond_ceiling}; beyond the ceiling, authorisation needs "
                "oversight's recorded pre-approval (none is recorded)"
            )
        )
    if escalated and actor.rank < profile.rarity.escalated_min_rank:
        assert position is not None and position.escalation is not None
        raise PolicyViolation(
            profile.refusal(
                f"{position.escalation}; beyond that, authorisation needs "
                f"{profile.rarity.escalated_min_rank.words} rank or above "
                f"(you are {article(actor.rank.words)} {actor.rank.words})"
            )
        )
    return AuthorisationDecision(
        urgent,
        escalated,
        position.escalation if position is not None else None,
        position,
        rarity_warnings(profile, position),
    )


def rarity_position(
    profile: PolicyProfile, facts: DeploymentFacts, rarity: RarityFacts
) -> RarityPosition | None:
    """The worst affected borough's position against the guard-rail and the ceiling."""
    if not rarity.boroughs:
        return None
    limit = profile.rarity
    this_hours = hours(facts.end - facts.start)
    worst = max(rarity.boroughs, key=lambda b: (b.others, b.other_hours))
    count = worst.others + 1
    total = worst.other_hours + this_hours
    place = worst.name or worst.code
    noun = profile.noun
    within = f"within {limit.period_days} days"
    escalation = None
    if count > limit.max_deployments:
        escalation = (
            f"this would be the {ordinal(count)} {noun} in {place} {within} "
            f"(rarity limit {limit.max_deployments})"
        )
    elif total > limit.max_hours:
        escalation = (
            f"this would make {hours_text(total)} of {noun} in {place} {within} "
            f"(rarity limit {hours_text(limit.max_hours)})"
        )
    ceiling = None
    if limit.ceiling_deployments is not None and count > limit.ceiling_deployments:
        ceiling = (
            f"this would be the {ordinal(count)} {noun} in {place} {within}, beyond the "
            f"ceiling of {limit.ceiling_deployments}"
        )
    elif limit.ceiling_hours is not None and total > limit.ceiling_hours:
        ceiling = (
            f"this would make {hours_text(total)} of {noun} in {place} {within}, beyond the "
            f"ceiling of {hours_text(limit.ceiling_hours)}"
        )
    return RarityPosition(place, count, total, escalation, ceiling)


def rarity_warnings(profile: PolicyProfile, position: RarityPosition | None) -> tuple[str, ...]:
    """What a click on Authorise would set off, in words, before the click."""
    if position is None or position.escalation is None:
        return ()
    consequence = f"authorisation needs {profile.rarity.escalated_min_rank.words} rank"
    if profile.rarity.notify_oversight:
        consequence += " and notifies oversight"
    warnings = [f"{position.escalation}: {consequence}"]
    if position.beyond_ceiling is not None:
        warnings.append(
            f"{position.beyond_ceiling}: only oversight's recorded pre-approval allows it"
        )
    return tuple(warnings)


def superior_notice_due(profile: PolicyProfile, actor: Actor) -> float | None:
    """Hours within which an officer of the notice rank must be told of this authoriser's
    decision (s60(3A)), or None when no notice is owed."""
    notice = profile.superior_notice
    if notice is None or actor.rank >= notice.below_rank:
        return None
    return notice.within_hours


def check_notice_recorder(profile: PolicyProfile, actor: Actor, facts: DeploymentFacts) -> None:
    """Who records that a senior officer was told: the authoriser, or a commander of the
    rank to be told (recording that they were told themselves)."""
    notice = profile.superior_notice
    if notice is None:
        raise PolicyViolation(profile.refusal("this power owes no notice to a senior officer"))
    if same_person(actor.login, facts.authorised_by):
        return
    if actor.role not in COMMANDERS or actor.rank < notice.notify_min_rank:
        raise NotAuthorised(
            profile.refusal(
                "the notice is recorded by the authoriser or by the officer who was told, of "
                f"{notice.notify_min_rank.words} rank or above ({_who(actor)})"
            )
        )


def check_notice(
    profile: PolicyProfile, actor: Actor, facts: DeploymentFacts, informed: Actor
) -> None:
    """Rules for recording the notice: who records it, and who was told."""
    check_notice_recorder(profile, actor, facts)
    notice = profile.superior_notice
    assert notice is not None  # the recorder's check refuses a power without notice
    if informed.rank < notice.notify_min_rank or informed.role not in COMMANDERS:
        raise PolicyViolation(
            profile.refusal(
                f"the officer told must be a commander of {notice.notify_min_rank.words} rank or "
                f"above ({informed.login} is {article(informed.role.words)} "
                f"{informed.describe()})"
            )
        )
    if same_person(informed.login, facts.authorised_by):
        raise PolicyViolation(profile.refusal("the authoriser cannot be the officer told"))
    if not same_person(actor.login, facts.authorised_by) and not same_person(
        actor.login, informed.login
    ):
        raise NotAuthorised(
            profile.refusal("an officer records only that they themselves were told")
        )


def check_responder(profile: PolicyProfile, actor: Actor, facts: DeploymentFacts) -> None:
    """Who answers an objection or a high residual risk: whoever may decide the deployment
    (authorise it, or ratify an urgent authorisation); once decided, its authoriser."""
    if not facts.objections and not facts.high_risk:
        raise InvalidTransition(
            profile.refusal("there is no objection or high residual risk to answer")
        )
    if facts.awaiting_ratification:
        check_ratifier(profile, actor, facts)
    elif facts.authorised_by is not None:
        if not same_person(actor.login, facts.authorised_by):
            raise NotAuthorised(
                profile.refusal("once decided, only the authoriser answers in writing")
            )
    else:
        check_authoriser(profile, actor, facts)


def check_ratifier(profile: PolicyProfile, actor: Actor, facts: DeploymentFacts) -> None:
    """Who may ratify an urgent authorisation."""
    ratify = profile.urgent.ratify
    if ratify is None:
        raise PolicyViolation(profile.refusal("this power has no ratification step"))
    require_authority(profile, ratify, actor, "ratification")
    if same_person(actor.login, facts.authorised_by):
        raise NotAuthorised(
            profile.refusal("the urgent authoriser may not ratify their own decision")
        )
    require_own_borough(profile, actor, facts, "ratification")
    _separation(profile, actor, facts)


def check_ratification(
    profile: PolicyProfile, actor: Actor, facts: DeploymentFacts, now: datetime, due: datetime
) -> None:
    """Rules for ratifying an urgent authorisation."""
    check_ratifier(profile, actor, facts)
    problems = []
    if now >= due:
        problems.append("the ratification window has passed; the authorisation has lapsed")
    problems += _requirement_problems(profile, facts, now, ())
    problems += _own_responses(profile, actor, facts)
    _raise(profile, problems)


def _ordinal_word(step: int) -> str:
    return ("first", "second", "third", "fourth")[step] if step < 4 else f"extension {step + 1}"


def check_extender(
    profile: PolicyProfile, actor: Actor, facts: DeploymentFacts, now: datetime | None = None
) -> int:
    """Who may grant the next extension, and whether one may be granted now; returns the
    extension step (0-based) it uses."""
    if facts.awaiting_ratification:
        raise InvalidTransition(
            profile.refusal("an urgent authorisation must be ratified before it is extended")
        )
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
    require_authority(
        profile, profile.extensions[step], actor, f"the {_ordinal_word(step)} extension"
    )
    require_own_borough(profile, actor, facts, "an extension")
    if now is not None and now >= facts.end:
        raise PolicyViolation(profile.refusal("the deployment has already ended"))
    return step


def check_extension(
    profile: PolicyProfile, actor: Actor, facts: DeploymentFacts, new_end: datetime, now: datetime
) -> int:
    """Rules for an extension; returns the extension step (0-based) it uses."""
    step = check_extender(profile, actor, facts)
    rule = profile.extensions[step]
    ordinal_word = _ordinal_word(step)
    problems: list[str] = []
    if new_end <= facts.end:
        problems.append("the new end must be after the current end")
    else:
        added = hours(new_end - facts.end)
        if added > rule.hours:
            problems.append(
                f"the {ordinal_word} extension may add at most {hours_text(rule.hours)} "
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
    if not _anyone(actor.login, (facts.authorised_by, facts.ratified_by)):
        require_authority(profile, profile.revoke, actor, what)
    require_own_borough(profile, actor, facts, what)


def check_debriefer(profile: PolicyProfile, actor: Actor, facts: DeploymentFacts) -> None:
    """Who debriefs: the proposer, the authoriser, the ratifier or a commander (in their
    own borough where the profile confines their role)."""
    named = _anyone(actor.login, (facts.proposer, facts.authorised_by, facts.ratified_by))
    if not named and actor.role not in COMMANDERS:
        raise NotAuthorised(
            profile.refusal(
                f"a debrief is recorded by the proposer, authoriser or a commander ({_who(actor)})"
            )
        )
    if not named:
        require_own_borough(profile, actor, facts, "a debrief")


def check_debrief(
    profile: PolicyProfile, actor: Actor, facts: DeploymentFacts, public_notice_after: bool
) -> None:
    """Who debriefs, and the public notice afterwards where the profile requires it."""
    check_debriefer(profile, actor, facts)
    if profile.requirements.public_notice.after and not public_notice_after:
        raise PolicyViolation(
            profile.refusal(
                "the debrief must record how the public was told afterwards (public_notice_after)"
            )
        )


def check_pre_approver(profile: PolicyProfile, actor: Actor, facts: DeploymentFacts) -> None:
    """Only oversight pre-approves going beyond a profile's ceiling; once per deployment."""
    if actor.role is not Role.OVERSIGHT:
        raise NotAuthorised(
            profile.refusal(
                f"a pre-approval beyond the rarity ceiling is recorded by oversight ({_who(actor)})"
            )
        )
    if facts.pre_approved_by is not None:
        raise InvalidTransition(
            profile.refusal(f"oversight ({facts.pre_approved_by}) has already pre-approved it")
        )


def minimum_rank_words(rank: Rank) -> str:
    """``an inspector`` for messages."""
    return f"{article(rank.words)} {rank.words}"
