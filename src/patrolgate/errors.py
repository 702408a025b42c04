"""The domain error hierarchy, each error carrying its HTTP status and CLI exit code once.

Interfaces map errors by these attributes alone: the CLI exits with ``exit_code``, the API
answers with ``http_status`` as ``application/problem+json``.
"""

from __future__ import annotations


class PatrolGateError(Exception):
    """Base of every error PatrolGate raises on purpose."""

    exit_code: int = 1
    http_status: int = 500
    title: str = "Internal error"


class InvalidInput(PatrolGateError):
    """The input is malformed: a bad file, row, field or argument."""

    exit_code = 2
    http_status = 422
    title = "Invalid input"


class Refused(PatrolGateError):
    """A rule refused the action: policy, permission or state transition."""

    exit_code = 3
    http_status = 403
    title = "Refused"


class NotFound(PatrolGateError):
    """The thing asked for does not exist."""

    exit_code = 4
    http_status = 404
    title = "Not found"


class Conflict(PatrolGateError):
    """Someone else changed the thing first; nothing was written."""

    exit_code = 5
    http_status = 409
    title = "Conflict"
