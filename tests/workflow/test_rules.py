"""Table-driven rules of every shipped profile, at their boundaries, without a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from patrolgate.policy import PolicyProfile, Rank, Role, Trigger, load_profile
from patrolgate.workflow import NotAuthorised, PolicyViolation
from patrolgate.workflow.actors import Actor
from patrolgate.workflow.rules import (
    ConsultationFact,
    DeploymentFacts,
    IntelFact,
    RarityFacts,
    check_authorisation,
    check_consultee,
    check_debrief,
    check_extension,
    check_proposal,
    check_ratification,
)

NOW = datetime(2026, 6, 5, 12, 0, tzinfo=UTC)
START = NOW + timedelta(hours=1)
BOROUGH = "E09000022"
PROFILES = ["armed-patrol", "s60-statutory", "s60-strict", "dispersal-s34"]
CRITERIA = {
    "armed-patrol": "operational-contingency",
    "s60-statutory": "serious-violence-may-occur",
    "s60-strict": "serious-violence-will-occur",
    "dispersal-s34": "harassment-alarm-distress",
}
#: Statute and scheme numbers each profile must carry: (initial h, steps h, max h, authorise rank).
STATUTE = {
    "armed-patrol": (24, [24], 48, Rank.CHIEF_SUPERINTENDENT),
    "s60-statutory": (24, [24], 48, Rank.INSPECTOR),
    "s60-strict": (15, [9, 15], 39, Rank.COMMANDER),
    "dispersal-s34": (48, [], 48, Rank.INSPECTOR),
}
NO_RARITY = RarityFacts(0, 0.0)
MINUTE = timedelta(minutes=1)


def below(rank: Rank) -> Rank:
    """The rank just below ``rank``."""
    return list(Rank)[rank.order - 1]


def authoriser(profile: PolicyProfile, rank: Rank | None = None, login: str = "boss") -> Actor:
    """Someone of the first authorising role at ``rank`` (the minimum by default)."""
    return Actor(login, profile.authorise.roles[0], rank or profile.authorise.min_rank)


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
        consultations=(ConsultationFact("bc.lambeth", Role.BOROUGH_COMMANDER, BOROUGH),),
        impact_assessed=True,
        public_notice_before=True,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


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
    """Criterion, end before start, area size and who proposes."""
    with pytest.raises(PolicyViolation, match="criterion"):
        propose(profile, timedelta(hours=1), criterion="hunch")
    with pytest.raises(PolicyViolation, match="end must be after the start"):
        propose(profile, timedelta(hours=-1))
    limit = profile.requirements.max_area_km2
    if limit is not None:
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


def test_community_officer_consultation_is_not_the_borough_consultation(
    profile: PolicyProfile,
) -> None:
    """Only the affected borough's commander satisfies the borough consultation."""
    only_community = (ConsultationFact("community1", Role.COMMUNITY_OFFICER, None),)
    if profile.requirements.borough_consultation:
        with pytest.raises(PolicyViolation, match="Lambeth \\(E09000022\\) has not been consulted"):
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


def test_separation_of_duties(profile: PolicyProfile) -> None:
    """The proposer, an intelligence author and an investigator may not authorise."""
    for login, changes in (
        ("proposer1", {}),
        ("analyst1", {}),
        ("detective", {"investigators": ("detective",)}),
    ):
        with pytest.raises(NotAuthorised, match=rf"^{profile.name}: the (proposer|authoriser)"):
            check_authorisation(
                profile, authoriser(profile, login=login), facts(profile, **changes), NOW, NO_RARITY
            )


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
            Actor("bc2", Role.BOROUGH_COMMANDER, Rank.CHIEF_SUPERINTENDENT, "E09000028"),
            deployment,
        )
    with pytest.raises(NotAuthorised, match="proposer cannot also be the consultee"):
        check_consultee(
            profile,
            Actor("proposer1", Role.BOROUGH_COMMANDER, Rank.CHIEF_SUPERINTENDENT, BOROUGH),
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
        actor = Actor("ext", rule.roles[0], rule.min_rank)
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
            profile, Actor("e", rule.roles[0], Rank.COMMISSIONER), deployment, new_end, NOW
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
    """At the limit no escalation; one more needs the escalated rank and is flagged."""
    limit = profile.rarity
    at_limit = RarityFacts(limit.max_deployments - 1, 0.0)
    assert not check_authorisation(
        profile, authoriser(profile), facts(profile), NOW, at_limit
    ).escalated
    over = RarityFacts(limit.max_deployments, 0.0)
    if limit.escalated_min_rank > profile.authorise.min_rank:
        with pytest.raises(PolicyViolation, match=rf"^{profile.name}: this would be deployment"):
            check_authorisation(profile, authoriser(profile), facts(profile), NOW, over)
    decision = check_authorisation(
        profile, authoriser(profile, limit.escalated_min_rank), facts(profile), NOW, over
    )
    assert decision.escalated and decision.escalation_reason
    hours_over = RarityFacts(0, limit.max_hours)
    decision = check_authorisation(
        profile, authoriser(profile, limit.escalated_min_rank), facts(profile), NOW, hours_over
    )
    assert decision.escalated and "of deployment in" in (decision.escalation_reason or "")


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
        check_ratification(profile, replace(ratifier, login="tfc"), done, NOW, due)


def test_debrief_public_notice_after(profile: PolicyProfile) -> None:
    """Profiles that promise notice afterwards refuse a debrief without it."""
    actor = authoriser(profile)
    if profile.requirements.public_notice.after:
        with pytest.raises(PolicyViolation, match="afterwards"):
            check_debrief(profile, actor, facts(profile), public_notice_after=False)
    check_debrief(profile, actor, facts(profile), public_notice_after=True)
    with pytest.raises(NotAuthorised):
        check_debrief(profile, Actor("o", Role.OVERSIGHT, Rank.STAFF), facts(profile), True)
