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
    max_area_km2: float | None = Field(default=None, gt=0)
    triggers: tuple[Trigger, ...] = (Trigger.IMMINENT_INTELLIGENCE, Trigger.SERIOUS_ASSAULT)

    def is_reliable(self, source: int, assessment: str) -> bool:
        """Whether a 3x5x2 grading counts as reliable under this profile."""
        return source in self.reliable_sources and assessment in self.reliable_assessments

    def reliable_words(self) -> str:
        """E.g. ``source 1, intelligence A or B``."""
        sources = " or ".join(str(s) for s in self.reliable_sources)
        grades = " or ".join(self.reliable_assessments)
        return f"source {sources}, intelligence {grades}"


class Separation(_Section):
    """Separation of duties."""

    proposer_may_not_authorise: bool = True
    investigator_may_not_authorise: bool = True
    consultee_must_command_affected_borough: bool = True


class Rarity(_Section):
    """Guard-rail: beyond this many deployments or hours per area, escalate and notify."""

    period_days: int = Field(gt=0, le=366)
    max_deployments: int = Field(ge=0)
    max_hours: float = Field(ge=0)
    escalated_min_rank: Rank
    notify_oversight: bool = True

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


class PolicyProfile(BaseModel):
    """The rules of one power."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,40}$")
    title: str
    basis: str
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
