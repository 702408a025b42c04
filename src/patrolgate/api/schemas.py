"""Request and response bodies of the JSON API (the OpenAPI document is built from these)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from patrolgate.policy import Rank, Role
from patrolgate.workflow import Debrief, ImpactAssessment, Rationale


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    """An error, as RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None


class Me(BaseModel):
    """The signed-in user."""

    login: str
    role: str
    rank: str
    borough_code: str | None = None


class TokenCreate(_Body):
    """A new API token's name."""

    name: str = Field(min_length=1, max_length=100)


class TokenRecord(BaseModel):
    """An API token, without its secret."""

    id: str
    name: str
    login: str
    created_at: str
    revoked_at: str | None = None


class TokenCreated(TokenRecord):
    """A new token: the secret is shown this once."""

    token: str


class UserCreate(_Body):
    """A new user (administrators only) with an initial password."""

    login: str = Field(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9._-]{1,63}$")
    role: Role
    rank: Rank
    borough_code: str | None = Field(default=None, max_length=32)
    password: str = Field(min_length=10, max_length=200)


class PasswordChange(_Body):
    """A new password."""

    password: str = Field(min_length=10, max_length=200)


class IntelligenceCreate(_Body):
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


class Proposal(_Body):
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


class Versioned(_Body):
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


class Verified(BaseModel):
    """The audit chain's verification."""

    ok: bool
    entries: int
    head: str
    detail: dict[str, Any]


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": Problem.model_json_schema()}},
    }


#: The problem responses every protected route may give, for the OpenAPI document.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _problem("Not signed in, or the token is unknown or revoked"),
    403: _problem("Refused: permission, policy, state or CSRF"),
    404: _problem("Not found"),
    409: _problem("Changed by someone else first; nothing was written"),
    422: _problem("Invalid input"),
}
