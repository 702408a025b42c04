"""A policy profile: the rules of one power, as data, validated on load.

Every section carries a ``source``: ``statute: ...``, ``scheme: ...``, ``guidance: ...``,
``public record: ...`` or ``design: ...``. Numbers that are our own choice say ``design``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from patrolgate.policy.ranks import Rank, Role, article

SOURCE_KINDS = ("statute", "scheme", "guidance", "public record", "design")


class Trigger(StrEnum):
    """Why a deployment is proposed (Met 2018: two triggers)."""

    IMMINENT_INTELLIGENCE = "imminent-intelligence"
    SERIOUS_ASSAULT = "serious-assault"


class PublicNotice(StrEnum):
    """When the public must be told."""

    NONE = "none"
    BEFORE = "before"
    AFTER = "after"
    BEFORE_AND_AFTER = "before-and-after"

    @property
    def before(self) -> bool:
        """Notice is needed before the deployment."""
        return self in (PublicNotice.BEFORE, PublicNotice.BEFORE_AND_AFTER)

    @property
    def after(self) -> bool:
        """Notice is needed afterwards."""
        return self in (PublicNotice.AFTER, PublicNotice.BEFORE_AND_AFTER)


class Step(StrEnum):
    """Steps the urgent path may defer until ratification."""

    BOROUGH_CONSULTATION = "borough-consultation"
    IMPACT_ASSESSMENT = "impact-assessment"


Hours = Annotated[float, Field(gt=0, le=24 * 14)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field(min_length=3)

    @field_validator("source")
    @classmethod
    def _known_source(cls, value: str) -> str:
        if not value.lower().startswith(SOURCE_KINDS):
            raise ValueError(f"source must start with one of {', '.join(SOURCE_KINDS)}")
        return value


class Authority(_Section):
    """Who may take a decision: one of ``roles``, at ``min_rank`` or above."""

    roles: tuple[Role, ...] = Field(min_length=1)
    min_rank: Rank = Rank.STAFF

    @field_validator("min_rank", mode="before")
    @classmethod
    def _rank(cls, value: object) -> object:
        return Rank.parse(value) if isinstance(value, str) else value

    def describe(self) -> str:
        """E.g. ``a strategic commander of chief superintendent rank or above``."""
        roles = " or ".join(r.words for r in self.roles)
        text = f"{article(roles)} {roles}"
        if self.min_rank > Rank.STAFF:
            text += f" of {self.min_rank.words} rank or above"
        return text

    def allows(self, role: Role, rank: Rank) -> bool:
        """Whether someone of ``role`` and ``rank`` holds this authority."""
        return role in self.roles and rank >= self.min_rank


class Duration(_Section):
    """How long the first authorisation may last and the ceiling with every extension."""

    initial_hours: Hours
    max_total_hours: Hours


class Extension(Authority):
    """One extension step: by how much, and who may grant it."""

    hours: Hours


class Requirements(_Section):
    """Steps before authorisation."""

    borough_consultation: bool
    impact_assessment: bool
    min_reliable_intelligence: int = Field(ge=0)
    reliable_sources: tuple[int, ...] = (1,)
    reliable_assessments: tuple[str, ...] = ("A", "B")
    public_notice: PublicNotice = PublicNotice.NONE
    rights_consideration: bool = False
    criteria: tuple[str, ...] = Field(min_length=1)
    #: The widest area one authorisation may cover (PACE Code A: no wider than necessary).
    max_area_km2: float | None = Field(default=None, gt=0)
    triggers: tuple[Trigger, ...] = (Trigger.IMMINENT_INTELLIGENCE, Trigger.SERIOUS_ASSAULT)
    #: A deployment answers an imminent threat or a recent assault: it must start within
    #: this many hours of being proposed and of being authorised.
    start_within_hours: Hours | None = None

    def is_reliable(self, source: int, assessment: str) -> bool:
        """Whether a 3x5x2 grading counts as reliable under this profile."""
        return source in self.reliable_sources and assessment in self.reliable_assessments

    def reliable_words(self) -> str:
        """E.g. ``source 1, intelligence A or B``."""
        sources = " or ".join(str(s) for s in self.reliable_sources)
        grades = " or ".join(self.reliable_assessments)
        return f"source {sources}, intelligence {grades}"


class Separation(_Section):
    """Separation of duties, and the boroughs some roles are confined to.

    People are compared as :func:`~patrolgate.workflow.actors.same_person` compares them
    (case, white space, Unicode compatibility forms and invisible characters ignored).
    """

    proposer_may_not_authorise: bool = True
    investigator_may_not_authorise: bool = True
    consultee_must_command_affected_borough: bool = True
    #: Whoever was consulted on a deployment may not also authorise or ratify it.
    consultee_may_not_authorise: bool = True
    #: Users of these roles act only on deployments that touch their own borough.
    own_borough_roles: tuple[Role, ...] = (Role.BOROUGH_COMMANDER,)


class Rarity(_Section):
    """Guard-rail, per power and per borough, over the deployments within ``period_days``
    before or after the one decided: beyond ``max_deployments`` or ``max_hours`` the
    authorisation needs ``escalated_min_rank`` and notifies oversight; beyond the ceiling
    it needs oversight's recorded pre-approval as well."""

    period_days: int = Field(gt=0, le=366)
    max_deployments: int = Field(ge=0)
    max_hours: float = Field(ge=0)
    escalated_min_rank: Rank
    notify_oversight: bool = True
    ceiling_deployments: int | None = Field(default=None, ge=0)
    ceiling_hours: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _ceiling_above_limit(self) -> Rarity:
        if self.ceiling_deployments is not None and self.ceiling_deployments < self.max_deployments:
            raise ValueError("rarity.ceiling_deployments is below rarity.max_deployments")
        if self.ceiling_hours is not None and self.ceiling_hours < self.max_hours:
            raise ValueError("rarity.ceiling_hours is below rarity.max_hours")
        return self

    @field_validator("escalated_min_rank", mode="before")
    @classmethod
    def _rank(cls, value: object) -> object:
        return Rank.parse(value) if isinstance(value, str) else value


class Urgent(_Section):
    """The urgent path for a serious assault: approve at once, ratify within a window."""

    allowed: bool
    authority: Authority | None = None
    ratify: Authority | None = None
    window_hours: Hours = 2
    deferred_steps: tuple[Step, ...] = ()

    @model_validator(mode="after")
    def _complete(self) -> Urgent:
        if self.allowed and (self.authority is None or self.ratify is None):
            raise ValueError("an urgent path needs [urgent.authority] and [urgent.ratify]")
        return self


class SuperiorNotice(_Section):
    """An authoriser below ``below_rank`` must have an officer of ``notify_min_rank`` or
    above told within ``within_hours`` (s60(3A): "as soon as it is practicable")."""

    below_rank: Rank
    notify_min_rank: Rank
    within_hours: Hours

    @field_validator("below_rank", "notify_min_rank", mode="before")
    @classmethod
    def _rank(cls, value: object) -> object:
        return Rank.parse(value) if isinstance(value, str) else value


class DebriefDue(_Section):
    """An ended deployment is debriefed within ``within_hours`` of its end."""

    within_hours: Hours


#: A profile's name: what proposals, installs and reports call it (never a path).
PROFILE_NAME = r"^[a-z0-9][a-z0-9-]{1,40}$"


#: Who may read the text of handling-code-C summaries unless a profile names others: those
#: who write, weigh and decide on intelligence (oversight sees aggregates only).
DEFAULT_RESTRICTED_READERS: tuple[Role, ...] = (
    Role.ANALYST,
    Role.PROPOSER,
    Role.BOROUGH_COMMANDER,
    Role.TACTICAL_COMMANDER,
    Role.STRATEGIC_COMMANDER,
)


class RestrictedIntelligence(_Section):
    """Who may reveal the text of restricted (handling code C) summaries linked to a
    deployment under this power; every reveal is recorded."""

    readers: tuple[Role, ...] = Field(min_length=1)


_DEFAULT_RESTRICTED = RestrictedIntelligence(
    source="design: the roles that write, weigh and decide on intelligence (older profiles)",
    readers=DEFAULT_RESTRICTED_READERS,
)


class PolicyProfile(BaseModel):
    """The rules of one power."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=PROFILE_NAME)
    title: str
    basis: str
    #: What one deployment under this power is called in warnings ("armed patrol").
    noun: str = Field(default="deployment", min_length=3, max_length=60)
    propose: Authority
    authorise: Authority
    duration: Duration
    extensions: tuple[Extension, ...] = ()
    requirements: Requirements
    separation: Separation
    rarity: Rarity
    urgent: Urgent
    revoke: Authority
    debrief_community_trigger: int = Field(default=0, ge=0)
    superior_notice: SuperiorNotice | None = None
    debrief: DebriefDue | None = None
    restricted_intelligence: RestrictedIntelligence = _DEFAULT_RESTRICTED

    @model_validator(mode="after")
    def _consistent(self) -> PolicyProfile:
        if self.duration.initial_hours > self.duration.max_total_hours:
            raise ValueError("duration.initial_hours exceeds duration.max_total_hours")
        if self.rarity.escalated_min_rank < self.authorise.min_rank:
            raise ValueError("rarity.escalated_min_rank is below authorise.min_rank")
        return self

    def refusal(self, text: str) -> str:
        """A refusal message naming this profile."""
        return f"{self.name}: {text}"

    def missing_for_installation(self) -> list[str]:
        """What an installed profile must carry and this one lacks (older deployments'
        frozen profiles may lack them; nothing new is decided under such a profile)."""
        missing = []
        if self.requirements.max_area_km2 is None:
            missing.append("requirements.max_area_km2 (every power has an area ceiling)")
        if self.requirements.start_within_hours is None:
            missing.append("requirements.start_within_hours (how soon a deployment must start)")
        if self.rarity.ceiling_deployments is None or self.rarity.ceiling_hours is None:
            missing.append("rarity.ceiling_deployments and rarity.ceiling_hours (hard ceiling)")
        if self.debrief is None:
            missing.append("[debrief] within_hours (when the debrief is due)")
        return missing
