"""What every route shares: request bodies refuse unknown fields, errors are problem
details (the OpenAPI document is built from these)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class Body(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    """An error, as RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None


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
    400: _problem("A body that cannot be read (not UTF-8 JSON)"),
    401: _problem("Not signed in, or the token is unknown or revoked"),
    403: _problem("Refused: permission, policy, state or CSRF"),
    404: _problem("Not found"),
    409: _problem("Changed by someone else first; nothing was written"),
    413: _problem("The body is over the request size limit"),
    422: _problem("Invalid input, or JSON too deep, too long or with NaN (api.limits)"),
}
