"""Responses of the workflow routes (their request bodies are the workflow's own commands,
:mod:`patrolgate.workflow.commands`)."""

from __future__ import annotations

from pydantic import BaseModel


class Created(BaseModel):
    """The id of what was created."""

    id: str


class Transition(BaseModel):
    """The deployment's new version after an action."""

    id: str
    version: int


class ProfileInstalled(BaseModel):
    """An installed profile version, and whether the install stored a new one."""

    name: str
    version: int
    sha256: str
    new_version: bool
