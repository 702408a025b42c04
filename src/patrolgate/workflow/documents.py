"""The documents a deployment carries: NDM rationale, impact assessment, debrief (TOML files)."""

from __future__ import annotations

import tomllib
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from patrolgate.errors import InvalidInput
from patrolgate.intelligence import sanitisation_problems


class _Document(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


class NdmStages(_Document):
    """The five stages of the National Decision Model, each with its recorded rationale."""

    information: str = Field(min_length=20, description="1. Gather information and intelligence")
    threat_and_risk: str = Field(min_length=20, description="2. Assess threat and risk")
    powers_and_policy: str = Field(min_length=20, description="3. Consider powers and policy")
    options: str = Field(min_length=20, description="4. Identify options and contingencies")
    action_and_review: str = Field(min_length=20, description="5. Take action and review")


class Plan(_Document):
    """PLAN headings of the proportionality rationale."""

    proportionate: str = Field(min_length=10)
    legal: str = Field(min_length=10)
    accountable: str = Field(min_length=10)
    necessary: str = Field(min_length=10)


class LessIntrusiveOption(_Document):
    """An option considered and why it is not enough."""

    option: str = Field(min_length=3)
    why_not_enough: str = Field(min_length=10)


class Investigation(_Document):
    """The underlying investigation: users involved may not authorise (APP conflict rule)."""

    reference: str | None = None
    officers: tuple[str, ...] = ()


class Rationale(_Document):
    """The NDM rationale of a proposal."""

    criterion: str = Field(min_length=3)
    summary: str = Field(min_length=10)
    ndm: NdmStages
    plan: Plan
    less_intrusive_options: tuple[LessIntrusiveOption, ...] = Field(min_length=1)
    investigation: Investigation = Investigation()
    rights_consideration: str | None = None


class ResidualRisk(StrEnum):
    """Residual risk after mitigations."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Engagement(_Document):
    """Engagement done before deployment."""

    borough: str = Field(min_length=3)
    independent_advisory_group: str = Field(min_length=3)
    community_monitoring_group: str = Field(min_length=3)


class ImpactAssessment(_Document):
    """Community impact assessment (domain.md §6); owned by the strategic commander."""

    area_and_intelligence_basis: str = Field(min_length=10)
    communities_affected: str = Field(min_length=10)
    current_tensions: str = Field(min_length=3)
    expected_impact: str = Field(min_length=10)
    equality_impact: str = Field(min_length=10)
    engagement: Engagement
    mitigations: tuple[str, ...] = Field(min_length=1)
    residual_risk: ResidualRisk
    owner: str = Field(min_length=1, description="login of the owning strategic commander")
    next_review: datetime
    public_notice_before: str | None = None
    public_notice_not_practicable: str | None = None

    @field_validator("next_review")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("next_review needs a time zone offset, e.g. 2026-06-01T18:00:00+01:00")
        return value


class Debrief(_Document):
    """What happened, measured; the start of the evaluation."""

    summary: str = Field(min_length=10)
    patrol_conformance: str = Field(
        min_length=10, description="Did the patrol happen where and when authorised?"
    )
    outcomes: dict[str, int] = Field(default_factory=dict)
    community_feedback: str = Field(min_length=3)
    complaints_received: int = Field(ge=0)
    public_notice_after: str | None = None
    lessons: str | None = None


D = TypeVar("D", bound=_Document)


def parse_document(kind: type[D], data: dict[str, Any], origin: str) -> D:
    """Validate a document and check it names no person."""
    try:
        document = kind.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in error.errors()
        )
        raise InvalidInput(f"{origin}: {problems}") from error
    found = sorted({p for s in _strings(data) for p in sanitisation_problems(s)})
    if found:
        raise InvalidInput(
            f"{origin}: appears to hold {', '.join(found)}; record areas and reasons, never "
            "identities"
        )
    return document


def read_document(kind: type[D], path: Path) -> D:
    """Read a TOML document file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise InvalidInput(f"{path}: no such file") from error
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InvalidInput(f"{path}: not valid TOML ({error})") from error
    return parse_document(kind, data, str(path))
