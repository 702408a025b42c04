"""Workflow errors, each mapped once (via patrolgate.errors) to an exit code and HTTP status."""

from __future__ import annotations

from patrolgate import errors


class WorkflowError(errors.PatrolGateError):
    """Base of every error the deployment workflow raises on purpose."""


class InvalidTransition(WorkflowError, errors.Refused):
    """The action is not possible in the deployment's current state."""

    title = "Invalid transition"


class NotAuthorised(WorkflowError, errors.Refused):
    """The actor's role, rank or involvement does not allow the action."""

    title = "Not authorised"


class PolicyViolation(WorkflowError, errors.Refused):
    """A rule of the policy profile refuses the action."""

    title = "Refused by policy"


class NotFound(WorkflowError, errors.NotFound):
    """No such user, deployment or intelligence summary."""


class Conflict(WorkflowError, errors.Conflict):
    """Someone else changed the deployment first; nothing was written."""
