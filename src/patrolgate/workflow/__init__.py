"""The deployment authorisation workflow: lifecycle, rules, urgent path, sweeper, retention.

Start with :class:`Workflow`: ``Workflow.from_settings(database, settings)``; each action is
a command (:mod:`patrolgate.workflow.commands`) given with ``workflow.run(actor,
deployment_id, command)`` (or ``workflow.propose(actor, command)``), the acting user first
(a login, or the Actor already identified).
"""

from patrolgate.workflow.actors import Actor
from patrolgate.workflow.areas import AreaSelection
from patrolgate.workflow.commands import (
    DEPLOYMENT_COMMANDS,
    AddIntelligence,
    AssessImpact,
    Authorise,
    Command,
    Complete,
    Consult,
    DeploymentCommand,
    Extend,
    InstallProfile,
    PreApprove,
    Propose,
    Ratify,
    RecordDebrief,
    RecordNotice,
    Respond,
    Revoke,
    Submit,
)
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
    "DEPLOYMENT_COMMANDS",
    "Actor",
    "AddIntelligence",
    "AreaSelection",
    "AssessImpact",
    "Authorise",
    "Command",
    "Complete",
    "Conflict",
    "Consult",
    "Debrief",
    "DeploymentCommand",
    "EndReason",
    "Extend",
    "ForecastSnapshot",
    "ImpactAssessment",
    "InstallProfile",
    "InvalidTransition",
    "NotAuthorised",
    "NotFound",
    "PolicyViolation",
    "PreApprove",
    "Propose",
    "Ratify",
    "Rationale",
    "RecordDebrief",
    "RecordNotice",
    "Respond",
    "Revoke",
    "State",
    "Submit",
    "Workflow",
    "WorkflowContext",
    "WorkflowError",
    "read_document",
]
