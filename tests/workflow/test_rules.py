"""Table-driven rules of every shipped profile, at their boundaries, without a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from tests.workflow.scenario import CRITERIA

from patrolgate.policy import PolicyProfile, Rank, Role, Trigger, load_profile
from patrolgate.workflow import InvalidTransition, NotAuthorised, PolicyViolation
from patrolgate.workflow.actors import Actor
from patrolgate.workflow.rules import (
    BoroughRarity,
    ConsultationFact,
    DeploymentFacts,
    IntelFact,
    RarityFacts,
    ResponseFact,
    check_authorisation,
    check_consultee,
    check_debrief,
    check_extension,
    check_notice,
    check_pre_approver,
    check_proposal,
    check_ratification,
    check_responder,
    check_stand_down,
    ordinal,
    requirements,
    superior_notice_due,
)

NOW = datetime(2026, 6, 5, 12, 0, tzinfo=UTC)
START = NOW + timedelta(hours=1)
BOROUGH = "E09000022"
OTHER = "E09000028"
PROFILES = ["armed-patrol", "s60-statutory", "s60-strict", "dispersal-s34"]
#: Statute and scheme numbers each profile must carry: (initial h, steps h, max h, authorise rank).
STATUTE = {
    "armed-patrol": (24, [24], 48, Rank.CHIEF_SUPERINTENDENT),
    "s60-statutory": (24, [24], 48, Rank.INSPECTOR),
    "s60-strict": (15, [9, 15], 39, Rank.COMMANDER),
    "dispersal-s34": (48, [], 48, Rank.INSPECTOR),
}
NO_RARITY = RarityFacts()
MINUTE = timedelta(minutes=1)


def below(rank: Rank) -> Rank:
    """The rank just below ``rank``."""
    return list(Rank)[rank.order - 1]


def authoriser(profile: PolicyProfile, rank: Rank | None = None, login: str = "boss") -> Actor:
    """Someone of the first authorising role at ``rank`` (the minimum by default), in the
    deployment's own borough."""
    return Actor(login, profile.authorise.roles[0], rank or profile.authorise.min_rank, BOROUGH)


def facts(profile: PolicyProfile, **changes: object) -> DeploymentFacts:
    """A deployment with every step done."""
    base = DeploymentFacts(
        proposer="proposer1",
        trigger=Trigger.IMMINENT_INTELLIGENCE,
        start=START,
        end=START + timedelta(hours=profile.duration.initial_hours),
        borough_codes=(BOROUGH,),
        borough_names={BOROUGH: "Lambeth"},
        intelligence=(
            IntelFact(
                "int-1", 1, "A", NOW - timedelta(hours=1), NOW + timedelta(days=3), "analyst1"
            ),
        ),
        consultations=(ConsultationFact("bc.lambeth", Role.BOROUGH_COMMANDER, BOROUGH, id=1),),
        impact_assessed=True,
        public_notice_before=True,
        impact_residual_risk="medium",
        impact_next_review=NOW + timedelta(days=30),
        impact_assessed_at=NOW - timedelta(hours=1),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def rarity(others: int, hours: float = 0.0) -> RarityFacts:
    """``others`` other deployments of the same power in Lambeth, with ``hours`` between them."""
    return RarityFacts((BoroughRarity(BOROUGH, "Lambeth", others, hours),))


@pytest.fixture(params=PROFILES)
def profile(request: pytest.FixtureRequest) -> PolicyProfile:
    """Each shipped profile."""
    return load_profile(request.param)


def test_statute_and_scheme_numbers(profile: PolicyProfile) -> None:
    """Durations, extension steps and authorising ranks are the statute's or scheme's."""
    initial, steps, maximum, rank = STATUTE[profile.name]
    assert profile.duration.initial_hours == initial
    assert [e.hours for e in profile.extensions] == steps
    assert profile.duration.max_total_hours == maximum
    assert profile.authorise.min_rank is rank
    assert profile.missing_for_installation() == []  # area ceiling, horizon, ceiling, debrief


def propose(profile: PolicyProfile, hours: timedelta, **changes: object) -> None:
    """Run the proposal rules for a period of ``hours``."""
    arguments: dict[str, object] = {
        "trigger": Trigger.IMMINENT_INTELLIGENCE,
        "start": START,
        "end": START + hours,
        "now": NOW,
        "area_km2": 1.0,
        "criterion": CRITERIA[profile.name],
        "rights_considered": True,
    }
    arguments.update(changes)
    check_proposal(profile, Actor("proposer1", Role.PROPOSER, Rank.INSPECTOR), **arguments)  # type: ignore[arg-type]


def test_initial_duration_boundary(profile: PolicyProfile) -> None:
    """Exactly the initial period is allowed; one minute more is refused, naming the rule."""
    initial = timedelta(hours=profile.duration.initial_hours)
    propose(profile, initial)
    with pytest.raises(
        PolicyViolation, match=rf"^{profile.name}: an authorisation may last at most"
    ):
        propose(profile, initial + MINUTE)


def test_proposal_rules(profile: PolicyProfile) -> None:
    """Criterion, end before start, area ceiling (every profile has one) and who proposes."""
    with pytest.raises(PolicyViolation, match="criterion"):
        propose(profile, timedelta(hours=1), criterion="hunch")
    with pytest.raises(PolicyViolation, match="end must be after the start"):
        propose(profile, timedelta(hours=-1))
    limit = profile.requirements.max_area_km2
    assert limit is not None
    propose(profile, timedelta(hours=1), area_km2=limit)
    with pytest.raises(PolicyViolation, match="smallest area necessary"):
        propose(profile, timedelta(hours=1), area_km2=limit + 0.01)
    if profile.requirements.rights_consideration:
        with pytest.raises(PolicyViolation, match="freedom of expression and assembly"):
            propose(profile, timedelta(hours=1), rights_considered=False)
    with pytest.raises(NotAuthorised, match="a proposal needs"):
        check_proposal(
            profile,
            Actor("analyst1", Role.ANALYST, Rank.STAFF),
            trigger=Trigger.IMMINENT_INTELLIGENCE,
            start=START,
            end=START + timedelta(hours=1),
            now=NOW,
            area_km2=1.0,
            criterion=CRITERIA[profile.name],
            rights_considered=True,
        )


@pytest.mark.parametrize("trigger", list(Trigger))
def test_a_deployment_starts_within_the_horizon(profile: PolicyProfile, trigger: Trigger) -> None:
    """ "Imminent" six months ahead is refused; at the horizon it is allowed, a minute beyond
    it is refused, at proposal and again at authorisation."""
    horizon = timedelta(hours=profile.requirements.start_within_hours or 0)
    hour = timedelta(hours=1)
    propose(profile, hour, start=NOW + horizon, end=NOW + horizon + hour, trigger=trigger)
    for start in (NOW + horizon + MINUTE, NOW + timedelta(days=182)):
        with pytest.raises(PolicyViolation, match="must start within"):
            propose(profile, hour, start=start, end=start + hour, trigger=trigger)
    late = facts(profile, start=NOW + horizon + MINUTE, end=NOW + horizon + 2 * hour)
    with pytest.raises(PolicyViolation, match="must start within"):
        check_authorisation(profile, authoriser(profile), late, NOW, NO_RARITY)


def test_a_confined_role_proposes_in_its_own_borough_only(profile: PolicyProfile) -> None:
    """A borough commander proposes for their borough, not another one."""
    commander = Actor("bc", Role.BOROUGH_COMMANDER, Rank.CHIEF_SUPERINTENDENT, OTHER)
    arguments: dict[str, object] = {
        "trigger": Trigger.IMMINENT_INTELLIGENCE,
        "start": START,
        "end": START + timedelta(hours=1),
        "now": NOW,
        "area_km2": 1.0,
        "criterion": CRITERIA[profile.name],
        "rights_considered": True,
    }
    with pytest.raises(NotAuthorised, match="own borough"):
        check_proposal(profile, commander, borough_codes=(BOROUGH,), **arguments)  # type: ignore[arg-type]
    check_proposal(profile, commander, borough_codes=(OTHER,), **arguments)  # type: ignore[arg-type]


def test_authorising_rank_boundary(profile: PolicyProfile) -> None:
    """Just below the minimum rank is refused; at the minimum it is allowed."""
    minimum = profile.authorise.min_rank
    decision = check_authorisation(profile, authoriser(profile), facts(profile), NOW, NO_RARITY)
    assert not decision.urgent and not decision.escalated
    with pytest.raises(
        NotAuthorised, match=rf"^{profile.name}: authorisation needs .*{minimum.words}"
    ):
        check_authorisation(
            profile, authoriser(profile, below(minimum)), facts(profile), NOW, NO_RARITY
        )


def test_wrong_role_refused(profile: PolicyProfile) -> None:
    """Oversight and community officers never authorise, whatever their rank."""
    for role in (Role.OVERSIGHT, Role.COMMUNITY_OFFICER, Role.ANALYST):
        with pytest.raises(NotAuthorised):
            check_authorisation(
                profile, Actor("x", role, Rank.COMMISSIONER), facts(profile), NOW, NO_RARITY
            )


def test_required_steps(profile: PolicyProfile) -> None:
    """Consultation, impact assessment and reliable intelligence, as each profile requires."""
    boss = authoriser(profile)
    req = profile.requirements
    cases = {
        "has not been consulted": (req.borough_consultation, {"consultations": ()}),
        "no community impact assessment": (req.impact_assessment, {"impact_assessed": False}),
        "reliable grade": (
            req.min_reliable_intelligence > 0,
            {"intelligence": (IntelFact("i", 3, "D", NOW, NOW + timedelta(days=3), "a"),)},
        ),
    }
    for message, (required, changes) in cases.items():
        if required:
            with pytest.raises(PolicyViolation, match=message):
                check_authorisation(profile, boss, facts(profile, **changes), NOW, NO_RARITY)
        else:
            check_authorisation(profile, boss, facts(profile, **changes), NOW, NO_RARITY)


def test_an_impact_assessment_past_its_review_date_blocks(profile: PolicyProfile) -> None:
    """Whether or not the power requires one, an assessment past review does not authorise."""
    stale = facts(profile, impact_next_review=NOW)
    with pytest.raises(PolicyViolation, match="past its review date"):
        check_authorisation(profile, authoriser(profile), stale, NOW, NO_RARITY)
    fresh = facts(profile, impact_next_review=NOW + MINUTE)
    check_authorisation(profile, authoriser(profile), fresh, NOW, NO_RARITY)


def test_intelligence_graded_by_the_proposer_is_not_the_sole_basis(
    profile: PolicyProfile,
) -> None:
    """A proposer's own 1A (whatever the spelling of their login) needs another summary."""
    if not profile.requirements.min_reliable_intelligence:
        return
    window = (NOW - timedelta(hours=1), NOW + timedelta(days=3))
    own = IntelFact("i-own", 1, "A", *window, " Proposer1\u200b")
    with pytest.raises(PolicyViolation, match="graded by the proposer themselves"):
        check_authorisation(
            profile, authoriser(profile), facts(profile, intelligence=(own,)), NOW, NO_RARITY
        )
    other = IntelFact("i-other", 1, "A", *window, "analyst1")
    both = facts(profile, intelligence=(own, other))
    check_authorisation(profile, authoriser(profile), both, NOW, NO_RARITY)


def test_community_officer_consultation_is_not_the_borough_consultation(
    profile: PolicyProfile,
) -> None:
    """Only the affected borough's commander satisfies the borough consultation."""
    only_community = (ConsultationFact("community1", Role.COMMUNITY_OFFICER, None),)
    if profile.requirements.borough_consultation:
        with pytest.raises(PolicyViolation, match="Lambeth has not been consulted"):
            check_authorisation(
                profile,
                authoriser(profile),
                facts(profile, consultations=only_community),
                NOW,
                NO_RARITY,
            )


def test_intelligence_must_be_valid_during_the_deployment(profile: PolicyProfile) -> None:
    """A reliable summary that expired before the start does not count."""
    stale = (IntelFact("i", 1, "A", NOW - timedelta(days=5), NOW - timedelta(days=4), "a"),)
    if profile.requirements.min_reliable_intelligence:
        with pytest.raises(PolicyViolation, match="valid during the deployment"):
            check_authorisation(
                profile, authoriser(profile), facts(profile, intelligence=stale), NOW, NO_RARITY
            )


def test_public_notice_before(profile: PolicyProfile) -> None:
    """The strict scheme needs the public told in advance; the others do not."""
    changes = {"public_notice_before": False}
    if profile.requirements.public_notice.before:
        with pytest.raises(PolicyViolation, match="in advance"):
            check_authorisation(
                profile, authoriser(profile), facts(profile, **changes), NOW, NO_RARITY
            )
    else:
        check_authorisation(profile, authoriser(profile), facts(profile, **changes), NOW, NO_RARITY)


#: The same person written as people (and attackers) write logins.
SPELLINGS = ["{}", "{} ", " {}", "{}".upper(), "{}\u200b", "\u200d{}", "{}\u00ad"]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_separation_of_duties(profile: PolicyProfile, spelling: str) -> None:
    """The proposer, an intelligence author, an investigator and a consultee may not
    authorise, however their login is spelt (case, white space, invisible characters)."""
    for login, changes in (
        ("proposer1", {}),
        ("analyst1", {}),
        ("tfc1", {"investigators": ("TFC1",)}),
        ("bc.lambeth", {}),
    ):
        written = (
            spelling.format(login).upper() if spelling == "{}".upper() else spelling.format(login)
        )
        with pytest.raises(NotAuthorised, match=rf"^{profile.name}: the (proposer|authoriser)"):
            check_authorisation(
                profile,
                authoriser(profile, login=written),
                facts(profile, **changes),
                NOW,
                NO_RARITY,
            )


def test_borough_commanders_decide_in_their_own_borough(profile: PolicyProfile) -> None:
    """Confined to their borough by default: authorise, extend, revoke, complete, debrief."""
    southwark = Actor("bc.southwark", Role.BOROUGH_COMMANDER, Rank.COMMISSIONER, OTHER)
    deployment = facts(profile, authorised_by="someone")
    if Role.BOROUGH_COMMANDER in profile.authorise.roles:
        with pytest.raises(NotAuthorised, match="own borough"):
            check_authorisation(profile, southwark, deployment, NOW, NO_RARITY)
        lambeth = replace(southwark, login="bc.other", borough_code=BOROUGH)
        check_authorisation(profile, lambeth, facts(profile), NOW, NO_RARITY)
    if Role.BOROUGH_COMMANDER in profile.revoke.roles:
        for what in ("revoke", "complete"):
            with pytest.raises(NotAuthorised, match="own borough"):
                check_stand_down(profile, southwark, deployment, what)
    with pytest.raises(NotAuthorised, match="own borough"):
        check_debrief(profile, southwark, deployment, public_notice_after=True)
    if profile.extensions and Role.BOROUGH_COMMANDER in profile.extensions[0].roles:
        with pytest.raises(NotAuthorised, match="own borough"):
            check_extension(profile, southwark, deployment, deployment.end + MINUTE, NOW)


def test_borough_scoping_is_the_profiles_to_set(profile: PolicyProfile) -> None:
    """A profile that confines no role lets a borough commander act anywhere."""
    open_profile = profile.model_copy(
        update={"separation": profile.separation.model_copy(update={"own_borough_roles": ()})}
    )
    southwark = Actor("bc.southwark", Role.BOROUGH_COMMANDER, Rank.COMMISSIONER, OTHER)
    with pytest.raises(NotAuthorised, match="own borough"):
        check_debrief(profile, southwark, facts(profile), public_notice_after=True)
    check_debrief(open_profile, southwark, facts(profile), public_notice_after=True)


def test_an_objection_needs_the_authorisers_own_written_response(profile: PolicyProfile) -> None:
    """Refused until answered; answered by someone else, still refused; by the authoriser,
    allowed. A high residual risk likewise."""
    boss = authoriser(profile)
    objecting = (
        ConsultationFact("bc.lambeth", Role.BOROUGH_COMMANDER, BOROUGH, outcome="object", id=7),
    )
    objected = facts(profile, consultations=objecting)
    with pytest.raises(PolicyViolation, match="needs the authoriser's written response first"):
        check_authorisation(profile, boss, objected, NOW, NO_RARITY)
    by_other = ResponseFact("someone.else", "objection", 7, NOW)
    with pytest.raises(PolicyViolation, match="needs your own written response"):
        check_authorisation(profile, boss, replace(objected, responses=(by_other,)), NOW, NO_RARITY)
    own = ResponseFact("BOSS", "objection", 7, NOW)
    check_authorisation(profile, boss, replace(objected, responses=(own,)), NOW, NO_RARITY)
    risky = facts(profile, impact_residual_risk="high")
    with pytest.raises(PolicyViolation, match="high residual risk needs"):
        check_authorisation(profile, boss, risky, NOW, NO_RARITY)
    before = ResponseFact("boss", "residual-risk", None, NOW - timedelta(hours=2))
    with pytest.raises(PolicyViolation, match="high residual risk needs"):  # answered an older one
        check_authorisation(profile, boss, replace(risky, responses=(before,)), NOW, NO_RARITY)
    answered = ResponseFact("boss", "residual-risk", None, NOW)
    check_authorisation(profile, boss, replace(risky, responses=(answered,)), NOW, NO_RARITY)
    check_responder(profile, boss, objected)
    with pytest.raises(InvalidTransition, match="no objection"):
        check_responder(profile, boss, facts(profile))


def test_checklist_is_the_refusals_words(profile: PolicyProfile) -> None:
    """Every unmet checklist item (with words) appears in the refusal, and nothing else."""
    missing = facts(profile, consultations=(), impact_assessed=False, intelligence=())
    items = [i for i in requirements(profile, missing, NOW) if not i.met and i.problem]
    assert items
    with pytest.raises(PolicyViolation) as refused:
        check_authorisation(profile, authoriser(profile), missing, NOW, NO_RARITY)
    assert str(refused.value) == "; ".join(profile.refusal(i.problem) for i in items)


def test_consultee_must_command_an_affected_borough(profile: PolicyProfile) -> None:
    """A borough commander of another borough, or the proposer, is not the consultee."""
    deployment = facts(profile)
    assert (
        check_consultee(
            profile,
            Actor("bc", Role.BOROUGH_COMMANDER, Rank.CHIEF_SUPERINTENDENT, BOROUGH),
            deployment,
        )
        == BOROUGH
    )
    with pytest.raises(NotAuthorised, match="commander of an affected borough"):
        check_consultee(
            profile,
            Actor("bc2", Role.BOROUGH_COMMANDER, Rank.CHIEF_SUPERINTENDENT, OTHER),
            deployment,
        )
    with pytest.raises(NotAuthorised, match="proposer cannot also be the consultee"):
        check_consultee(
            profile,
            Actor("PROPOSER1 ", Role.BOROUGH_COMMANDER, Rank.CHIEF_SUPERINTENDENT, BOROUGH),
            deployment,
        )
    with pytest.raises(NotAuthorised):
        check_consultee(profile, Actor("t", Role.TACTICAL_COMMANDER, Rank.COMMANDER), deployment)
    assert (
        check_consultee(profile, Actor("c", Role.COMMUNITY_OFFICER, Rank.CONSTABLE), deployment)
        is None
    )


def test_extension_steps_and_maximum(profile: PolicyProfile) -> None:
    """Each step: exactly its hours allowed, a minute more refused; rank just below refused."""
    deployment = facts(profile)
    if not profile.extensions:
        with pytest.raises(
            PolicyViolation,
            match=rf"^{profile.name}: an authorisation under this power may not be extended",
        ):
            check_extension(profile, authoriser(profile), deployment, deployment.end + MINUTE, NOW)
        return
    for step, rule in enumerate(profile.extensions):
        actor = Actor("ext", rule.roles[0], rule.min_rank, BOROUGH)
        new_end = deployment.end + timedelta(hours=rule.hours)
        with pytest.raises(PolicyViolation, match="may add at most"):
            check_extension(profile, actor, deployment, new_end + MINUTE, NOW)
        if rule.min_rank > Rank.STAFF:
            with pytest.raises(NotAuthorised, match=f"extension needs .*{rule.min_rank.words}"):
                check_extension(
                    profile, replace(actor, rank=below(rule.min_rank)), deployment, new_end, NOW
                )
        assert check_extension(profile, actor, deployment, new_end, NOW) == step
        deployment = replace(deployment, end=new_end, extensions=step + 1)
    total = (deployment.end - deployment.start).total_seconds() / 3600
    assert total == profile.duration.max_total_hours
    with pytest.raises(PolicyViolation, match="no further extension is permitted"):
        check_extension(
            profile,
            authoriser(profile, Rank.COMMISSIONER),
            deployment,
            deployment.end + MINUTE,
            NOW,
        )


def test_total_maximum_message(profile: PolicyProfile) -> None:
    """Asking past the maximum total names the profile, the rule and the hours requested."""
    if not profile.extensions:
        return
    rule = profile.extensions[0]
    deployment = facts(profile)
    new_end = deployment.start + timedelta(hours=profile.duration.max_total_hours + 4)
    expected = (
        f"{profile.name}: extension beyond {profile.duration.max_total_hours:g} h total is not "
        f"permitted (requested {profile.duration.max_total_hours + 4:g} h)"
    )
    with pytest.raises(PolicyViolation) as refused:
        check_extension(
            profile, Actor("e", rule.roles[0], Rank.COMMISSIONER, BOROUGH), deployment, new_end, NOW
        )
    assert expected in str(refused.value)


def test_s60_extension_message_from_the_issue() -> None:
    """The issue's own example, word for word."""
    profile = load_profile("s60-statutory")
    deployment = facts(profile)
    with pytest.raises(PolicyViolation) as refused:
        check_extension(
            profile,
            Actor("supt", Role.TACTICAL_COMMANDER, Rank.SUPERINTENDENT),
            deployment,
            deployment.start + timedelta(hours=52),
            NOW,
        )
    assert "s60-statutory: extension beyond 48 h total is not permitted (requested 52 h)" in str(
        refused.value
    )


def test_rarity_guard_rail(profile: PolicyProfile) -> None:
    """At the limit no escalation; one more needs the escalated rank, is flagged and warned
    of before the click; beyond the ceiling only oversight's pre-approval allows it."""
    limit = profile.rarity
    assert limit.ceiling_deployments is not None and limit.ceiling_hours is not None
    at_limit = rarity(limit.max_deployments - 1)
    assert not check_authorisation(
        profile, authoriser(profile), facts(profile), NOW, at_limit
    ).escalated
    over = rarity(limit.max_deployments)
    if limit.escalated_min_rank > profile.authorise.min_rank:
        with pytest.raises(PolicyViolation, match=rf"^{profile.name}: this would be the"):
            check_authorisation(profile, authoriser(profile), facts(profile), NOW, over)
    senior = authoriser(profile, limit.escalated_min_rank)
    decision = check_authorisation(profile, senior, facts(profile), NOW, over)
    assert decision.escalated and decision.escalation_reason
    count = ordinal(limit.max_deployments + 1)
    assert decision.warnings[0] == (
        f"this would be the {count} {profile.noun} in Lambeth within {limit.period_days} days "
        f"(rarity limit {limit.max_deployments}): authorisation needs "
        f"{limit.escalated_min_rank.words} rank and notifies oversight"
    )
    hours_over = rarity(0, limit.max_hours)
    decision = check_authorisation(profile, senior, facts(profile), NOW, hours_over)
    assert decision.escalated and f"of {profile.noun} in" in (decision.escalation_reason or "")
    ceiling = rarity(limit.ceiling_deployments)
    with pytest.raises(PolicyViolation, match=r"beyond the ceiling.*pre-approval"):
        check_authorisation(
            profile, authoriser(profile, Rank.COMMISSIONER), facts(profile), NOW, ceiling
        )
    with pytest.raises(PolicyViolation, match="beyond the ceiling"):
        check_authorisation(profile, senior, facts(profile), NOW, rarity(0, limit.ceiling_hours))
    approved = facts(profile, pre_approved_by="oversight1")
    assert check_authorisation(profile, senior, approved, NOW, ceiling).escalated
    with pytest.raises(PolicyViolation, match="rank or above"):  # approval does not lift rank
        if limit.escalated_min_rank > profile.authorise.min_rank:
            check_authorisation(profile, authoriser(profile), approved, NOW, ceiling)
        else:
            raise PolicyViolation("rank or above: not applicable")


def test_the_worst_borough_decides(profile: PolicyProfile) -> None:
    """Counts are per borough: a deployment over two boroughs is judged by the busier one."""
    both = RarityFacts(
        (
            BoroughRarity(BOROUGH, "Lambeth", 0, 0.0),
            BoroughRarity(OTHER, "Southwark", profile.rarity.max_deployments, 0.0),
        )
    )
    decision = check_authorisation(
        profile,
        authoriser(profile, profile.rarity.escalated_min_rank),
        facts(
            profile,
            borough_codes=(BOROUGH, OTHER),
            consultations=(
                ConsultationFact("bc.lambeth", Role.BOROUGH_COMMANDER, BOROUGH, id=1),
                ConsultationFact("bc.southwark", Role.BOROUGH_COMMANDER, OTHER, id=2),
            ),
        ),
        NOW,
        both,
    )
    assert decision.escalated and "in Southwark" in (decision.escalation_reason or "")


def test_only_oversight_pre_approves(profile: PolicyProfile) -> None:
    """Oversight records the pre-approval, once; nobody else may."""
    check_pre_approver(profile, Actor("o", Role.OVERSIGHT, Rank.STAFF), facts(profile))
    with pytest.raises(NotAuthorised):
        check_pre_approver(profile, authoriser(profile, Rank.COMMISSIONER), facts(profile))
    with pytest.raises(InvalidTransition, match="already pre-approved"):
        check_pre_approver(
            profile, Actor("o", Role.OVERSIGHT, Rank.STAFF), facts(profile, pre_approved_by="o")
        )


def test_superior_notice(profile: PolicyProfile) -> None:
    """s60(3A): an inspector's s60 authorisation owes a notice to a superintendent; only the
    authoriser, or the superintendent told, records it."""
    notice = profile.superior_notice
    if notice is None:
        assert superior_notice_due(profile, authoriser(profile, Rank.INSPECTOR)) is None
        return
    assert superior_notice_due(profile, authoriser(profile, Rank.INSPECTOR)) == notice.within_hours
    assert superior_notice_due(profile, authoriser(profile, notice.below_rank)) is None
    decided = facts(profile, authorised_by="insp1")
    supt = Actor("supt", Role.TACTICAL_COMMANDER, notice.notify_min_rank)
    check_notice(profile, Actor("insp1", Role.TACTICAL_COMMANDER, Rank.INSPECTOR), decided, supt)
    check_notice(profile, supt, decided, supt)
    with pytest.raises(NotAuthorised, match="themselves were told"):
        check_notice(profile, replace(supt, login="other"), decided, supt)
    with pytest.raises(PolicyViolation, match="superintendent rank or above"):
        check_notice(
            profile,
            Actor("insp1", Role.TACTICAL_COMMANDER, Rank.INSPECTOR),
            decided,
            replace(supt, rank=Rank.CHIEF_INSPECTOR),
        )


def test_urgent_path(profile: PolicyProfile) -> None:
    """Only armed patrol has an urgent path: serious assault, tactical commander, steps deferred."""
    urgent = profile.urgent
    assault = facts(
        profile, trigger=Trigger.SERIOUS_ASSAULT, consultations=(), impact_assessed=False
    )
    if not urgent.allowed or urgent.authority is None:
        with pytest.raises((NotAuthorised, PolicyViolation)):
            check_authorisation(
                profile,
                Actor("t", Role.TACTICAL_COMMANDER, below(profile.authorise.min_rank)),
                assault,
                NOW,
                NO_RARITY,
            )
        return
    tactical = Actor("tfc", urgent.authority.roles[0], urgent.authority.min_rank)
    decision = check_authorisation(profile, tactical, assault, NOW, NO_RARITY)
    assert decision.urgent
    with pytest.raises(NotAuthorised):
        check_authorisation(
            profile, replace(tactical, rank=below(tactical.rank)), assault, NOW, NO_RARITY
        )
    with pytest.raises(NotAuthorised):
        check_authorisation(
            profile,
            tactical,
            replace(assault, trigger=Trigger.IMMINENT_INTELLIGENCE),
            NOW,
            NO_RARITY,
        )
    assert urgent.ratify is not None
    ratifier = Actor("sfc", urgent.ratify.roles[0], urgent.ratify.min_rank)
    due = NOW + timedelta(hours=urgent.window_hours)
    authorised = replace(assault, authorised_by="tfc")
    with pytest.raises(PolicyViolation, match="has not been consulted"):
        check_ratification(profile, ratifier, authorised, NOW, due)
    done = replace(authorised, consultations=facts(profile).consultations, impact_assessed=True)
    check_ratification(profile, ratifier, done, due - MINUTE, due)
    with pytest.raises(PolicyViolation, match="window has passed"):
        check_ratification(profile, ratifier, done, due, due)
    with pytest.raises(NotAuthorised):
        check_ratification(profile, replace(ratifier, rank=below(ratifier.rank)), done, NOW, due)
    with pytest.raises(NotAuthorised, match="may not ratify their own"):
        check_ratification(profile, replace(ratifier, login="TFC "), done, NOW, due)
    with pytest.raises(NotAuthorised, match="consulted on the deployment"):
        check_ratification(profile, replace(ratifier, login="bc.lambeth"), done, NOW, due)


def test_debrief_public_notice_after(profile: PolicyProfile) -> None:
    """Profiles that promise notice afterwards refuse a debrief without it."""
    actor = authoriser(profile)
    if profile.requirements.public_notice.after:
        with pytest.raises(PolicyViolation, match="afterwards"):
            check_debrief(profile, actor, facts(profile), public_notice_after=False)
    check_debrief(profile, actor, facts(profile), public_notice_after=True)
    with pytest.raises(NotAuthorised):
        check_debrief(profile, Actor("o", Role.OVERSIGHT, Rank.STAFF), facts(profile), True)


def test_ordinals() -> None:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 22nd."""
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
    ]
