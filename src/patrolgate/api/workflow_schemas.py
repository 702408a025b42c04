"""Request and response bodies of the workflow routes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from patrolgate.api.schemas import Body
from patrolgate.workflow import Debrief, ImpactAssessment, Rationale


class IntelligenceCreate(Body):
    """A sanitised, graded, area-level intelligence summary."""

    area_codes: list[str] = Field(min_length=1, max_length=50)
    valid_from: datetime
    valid_to: datetime
    source: Literal[1, 2, 3]
    assessment: Literal["A", "B", "C", "D", "E"]
    handling: Literal["P", "C"]
    text: str = Field(min_length=10, max_length=4000)


class Created(BaseModel):
    """The id of what was created."""

    id: str


class Proposal(Body):
    """A proposed deployment: area as codes or a drawn GeoJSON polygon, never both."""

    profile: str = Field(min_length=1, max_length=60)
    start: datetime
    end: datetime
    trigger: Literal["imminent-intelligence", "serious-assault"]
    rationale: Rationale
    area_codes: list[str] | None = Field(default=None, max_length=50)
    geojson: dict[str, Any] | None = None
    intelligence_ids: list[str] = Field(default_factory=list, max_length=20)
    submit: bool = True


class Versioned(Body):
    """Optimistic concurrency: the version the caller saw (optional)."""

    expected_version: int | None = Field(default=None, ge=0)


class Consultation(Versioned):
    """A consultation response."""

    outcome: Literal["support", "concerns", "object"]
    notes: str = Field(min_length=3, max_length=4000)


class ImpactBody(Versioned):
    """A community impact assessment."""

    assessment: ImpactAssessment


class Authorisation(Versioned):
    """An authorisation, with conditions."""

    conditions: str | None = Field(default=None, max_length=4000)


class ExtensionBody(Versioned):
    """An extension to a new end."""

    until: datetime
    reason: str = Field(min_length=3, max_length=4000)


class ReasonBody(Versioned):
    """A revocation or early completion."""

    reason: str = Field(min_length=3, max_length=4000)


class DebriefBody(Versioned):
    """The debrief of an ended deployment."""

    report: Debrief


class Transition(BaseModel):
    """The deployment's new version after an action."""

    id: str
    version: int
