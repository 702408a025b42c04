"""The deployment authorisation workflow: lifecycle, rules, urgent path, sweeper, retention.

Start with :class:`Workflow`: ``Workflow.from_settings(database, settings)``, then one method
per action, each taking the acting user first (a login, or the Actor already identified).
"""

from patrolgate.workflow.actors import Actor
from patrolgate.workflow.areas import AreaSelection
from patrolgate.workflow.context import ForecastSnapshot, WorkflowContext
from patrolgate.workflow.documents import Debrief, ImpactAssessment, Rationale, read_document
from patrolgate.workflow.errors import (
    Conflict,
    InvalidTransition,
    NotAuthorised,
    NotFound,
    PolicyViolation,
    WorkflowError,
)
from patrolgate.workflow.lifecycle import EndReason, State
from patrolgate.workflow.service import Workflow

__all__ = [
    "Actor",
    "AreaSelection",
    "Conflict",
    "Debrief",
    "EndReason",
    "ForecastSnapshot",
    "ImpactAssessment",
    "InvalidTransition",
    "NotAuthorised",
    "NotFound",
    "PolicyViolation",
    "Rationale",
    "State",
    "Workflow",
    "WorkflowContext",
    "WorkflowError",
    "read_document",
]
