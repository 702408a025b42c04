"""The documents a deployment carries: NDM rationale, impact assessment, debrief (TOML files).

Every text field has a length limit (stated in the API schema), every list a size limit,
every count a range; every string, the debrief's outcome names included, passes the
free-text screening (:mod:`patrolgate.screening`) before a document is accepted. A possible
name is accepted only when the document says ``names_confirmed = true``; the document,
with that confirmation, is what the audit trail records.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

from patrolgate.errors import InvalidInput
from patrolgate.screening import IdentityInText, PossibleNameInText, screen

#: A paragraph of a document (the analyst guide's "a summary of up to 4,000 characters").
PARAGRAPH = 4_000
#: One line: a criterion, an option's name, an engagement note.
LINE = 500
#: Items of a list (options considered, mitigations, officers).
MAX_ITEMS = 20
#: Outcomes a debrief may count, the length of an outcome's name, and the largest count.
MAX_OUTCOMES = 30
OUTCOME_NAME = 80
MAX_COUNT = 10_000

OutcomeName = Annotated[str, StringConstraints(min_length=1, max_length=OUTCOME_NAME)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
Login = Annotated[str, StringConstraints(min_length=1, max_length=64)]
ListItem = Annotated[str, StringConstraints(min_length=1, max_length=LINE)]
NAMES_CONFIRMED = Field(
    default=False,
    description="The author confirms that the capitalised words the screening flagged as "
    "possible names are not people (recorded with the document in the audit trail).",
)


class _Document(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _strings(value: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """Every string of a document with its place (``ndm.options``), dict keys included."""
    if isinstance(value, str):
        yield where or "(top)", value
    elif isinstance(value, dict):
        for key, item in value.items():
            place = f"{where}.{key}" if where else str(key)
            yield f"{place} (its name)", str(key)
            yield from _strings(item, place)
    elif isinstance(value, list | tuple):
        for number, item in enumerate(value, start=1):
            yield from _strings(item, f"{where}[{number}]")


class NdmStages(_Document):
    """The five stages of the National Decision Model, each with its recorded rationale."""

    information: str = Field(
        min_length=20, max_length=PARAGRAPH, description="1. Gather information and intelligence"
    )
    threat_and_risk: str = Field(
        min_length=20, max_length=PARAGRAPH, description="2. Assess threat and risk"
    )
    powers_and_policy: str = Field(
        min_length=20, max_length=PARAGRAPH, description="3. Consider powers and policy"
    )
    options: str = Field(
        min_length=20, max_length=PARAGRAPH, description="4. Identify options and contingencies"
    )
    action_and_review: str = Field(
        min_length=20, max_length=PARAGRAPH, description="5. Take action and review"
    )


class Plan(_Document):
    """PLAN headings of the proportionality rationale."""

    proportionate: str = Field(min_length=10, max_length=PARAGRAPH)
    legal: str = Field(min_length=10, max_length=PARAGRAPH)
    accountable: str = Field(min_length=10, max_length=PARAGRAPH)
    necessary: str = Field(min_length=10, max_length=PARAGRAPH)


class LessIntrusiveOption(_Document):
    """An option considered and why it is not enough."""

    option: str = Field(min_length=3, max_length=LINE)
    why_not_enough: str = Field(min_length=10, max_length=PARAGRAPH)


class Investigation(_Document):
    """The underlying investigation: users involved may not authorise (APP conflict rule)."""

    reference: str | None = Field(default=None, max_length=100)
    officers: tuple[Login, ...] = Field(default=(), max_length=MAX_ITEMS)


class Rationale(_Document):
    """The NDM rationale of a proposal."""

    criterion: str = Field(min_length=3, max_length=LINE)
    summary: str = Field(min_length=10, max_length=PARAGRAPH)
    ndm: NdmStages
    plan: Plan
    less_intrusive_options: tuple[LessIntrusiveOption, ...] = Field(
        min_length=1, max_length=MAX_ITEMS
    )
    investigation: Investigation = Investigation()
    rights_consideration: str | None = Field(default=None, max_length=PARAGRAPH)
    names_confirmed: bool = NAMES_CONFIRMED


class ResidualRisk(StrEnum):
    """Residual risk after mitigations."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Engagement(_Document):
    """Engagement done before deployment."""

    borough: str = Field(min_length=3, max_length=PARAGRAPH)
    independent_advisory_group: str = Field(min_length=3, max_length=PARAGRAPH)
    community_monitoring_group: str = Field(min_length=3, max_length=PARAGRAPH)


class ImpactAssessment(_Document):
    """Community impact assessment (domain.md §6); owned by the strategic commander."""

    area_and_intelligence_basis: str = Field(min_length=10, max_length=PARAGRAPH)
    communities_affected: str = Field(min_length=10, max_length=PARAGRAPH)
    current_tensions: str = Field(min_length=3, max_length=PARAGRAPH)
    expected_impact: str = Field(min_length=10, max_length=PARAGRAPH)
    equality_impact: str = Field(min_length=10, max_length=PARAGRAPH)
    engagement: Engagement
    mitigations: tuple[ListItem, ...] = Field(min_length=1, max_length=MAX_ITEMS)
    residual_risk: ResidualRisk
    owner: str = Field(
        min_length=1, max_length=64, description="login of the owning strategic commander"
    )
    next_review: datetime
    public_notice_before: str | None = Field(default=None, max_length=PARAGRAPH)
    public_notice_not_practicable: str | None = Field(default=None, max_length=PARAGRAPH)
    names_confirmed: bool = NAMES_CONFIRMED

    @field_validator("next_review")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("next_review needs a time zone offset, e.g. 2026-06-01T18:00:00+01:00")
        return value


class Debrief(_Document):
    """What happened, measured; the start of the evaluation."""

    summary: str = Field(min_length=10, max_length=PARAGRAPH)
    patrol_conformance: str = Field(
        min_length=10,
        max_length=PARAGRAPH,
        description="Did the patrol happen where and when authorised?",
    )
    outcomes: dict[OutcomeName, Count] = Field(
        default_factory=dict,
        max_length=MAX_OUTCOMES,
        description=f"Counts by outcome name (0 to {MAX_COUNT:,} each); names reach the "
        "public report, so they are screened like every other text.",
    )
    community_feedback: str = Field(min_length=3, max_length=PARAGRAPH)
    complaints_received: int = Field(ge=0, le=MAX_COUNT)
    public_notice_after: str | None = Field(default=None, max_length=PARAGRAPH)
    lessons: str | None = Field(default=None, max_length=PARAGRAPH)
    names_confirmed: bool = NAMES_CONFIRMED


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
    identities: list[str] = []
    names: list[str] = []
    for place, text in _strings(document.model_dump(mode="json", exclude={"names_confirmed"})):
        found = screen(text)
        identities += [f"{place}: {what}" for what in found.identifiers]
        names += [f"{place}: {', '.join(found.possible_names)}"] if found.possible_names else []
    if identities:
        raise IdentityInText(
            f"{origin}: appears to hold {'; '.join(identities)}; record areas and reasons, "
            "never identities"
        )
    if names and not getattr(document, "names_confirmed", False):
        raise PossibleNameInText(
            f"{origin}: may name a person ({'; '.join(names)}); remove the names, or confirm "
            "that these words are not people (names_confirmed = true)"
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
