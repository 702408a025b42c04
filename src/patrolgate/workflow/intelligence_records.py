"""Storing and reading intelligence summaries.

Reading never writes: a summary with handling code C (sharing with conditions) is listed
and shown without its text. Its text is given only by an explicit *reveal*
(:func:`reveal_intelligence`: a POST with its CSRF token in the browser, ``patrolgate intel
reveal`` on the command line), to the roles allowed, and every reveal is put on the audit
trail first, in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from patrolgate.intelligence import Grading, Handling, IntelligenceSummary
from patrolgate.policy import DEFAULT_RESTRICTED_READERS, Role
from patrolgate.store.audit_repository import append_entry
from patrolgate.store.deployment_repository import new_id
from patrolgate.store.workflow_tables import (
    DeploymentIntelligenceRow,
    DeploymentRow,
    IntelligenceRow,
)
from patrolgate.workflow.acting import profile_of, record_refusal
from patrolgate.workflow.actors import Actor, ActorRef, load_actor
from patrolgate.workflow.areas import select_codes
from patrolgate.workflow.commands import AddIntelligence
from patrolgate.workflow.context import WorkflowContext
from patrolgate.workflow.errors import NotAuthorised, NotFound

AUTHORS = (Role.ANALYST, Role.PROPOSER)
#: Who may read the text of handling-code-C summaries outside a deployment (oversight sees
#: aggregates only); on a deployment's dossier, its profile names the readers.
CONDITIONAL_READERS = DEFAULT_RESTRICTED_READERS


def grading_of(row: IntelligenceRow) -> Grading:
    """The 3x5x2 grading of a stored summary."""
    return Grading.of(row.source_evaluation, row.assessment, row.handling)


def restricted(row: IntelligenceRow) -> bool:
    """Whether the summary's text is shared only with conditions (handling code C)."""
    return row.handling == Handling.CONDITIONS.value


def describe(row: IntelligenceRow, *, with_text: bool) -> dict[str, Any]:
    """JSON-ready form; the text only when asked (and allowed)."""
    record: dict[str, Any] = {
        "id": row.id,
        "area_codes": row.area_codes,
        "valid_from": row.valid_from,
        "valid_to": row.valid_to,
        "grading": grading_of(row).code,
        "author": row.author,
        "redacted": row.redacted_at is not None,
        "restricted": restricted(row),
    }
    if with_text:
        record["text"] = row.text
    return record


def summary_of(command: AddIntelligence) -> IntelligenceSummary:
    """The summary a command describes, validated (and its text sanitised)."""
    return IntelligenceSummary(
        area_codes=tuple(c.strip() for c in command.area_codes if c.strip()),
        valid_from=command.valid_from,
        valid_to=command.valid_to,
        grading=Grading.of(command.source, command.assessment, command.handling),
        text=command.text,
        names_confirmed=command.names_confirmed,
    )


def add_intelligence(
    context: WorkflowContext,
    acting_as: ActorRef,
    command: AddIntelligence | IntelligenceSummary,
) -> str:
    """Store a sanitised, graded summary by an analyst or proposer; returns its id."""
    summary = summary_of(command) if isinstance(command, AddIntelligence) else command
    try:
        with context.database.transaction() as session:
            actor = load_actor(session, acting_as)
            if actor.role not in AUTHORS:
                raise NotAuthorised(
                    f"intelligence summaries are added by an analyst or proposer "
                    f"(you are a {actor.describe()})"
                )
            select_codes(session, list(summary.area_codes))
            now = context.now()
            intel_id = new_id("int")
            row = IntelligenceRow(
                id=intel_id,
                area_codes=list(summary.area_codes),
                valid_from=summary.valid_from,
                valid_to=summary.valid_to,
                source_evaluation=int(summary.grading.source),
                assessment=summary.grading.assessment.value,
                handling=summary.grading.handling.value,
                text=summary.text.strip(),
                author=actor.login,
                created_at=now,
            )
            session.add(row)
            session.flush()
            append_entry(
                session,
                recorded_at=now,
                actor=actor.login,
                action="intelligence.added",
                subject=f"intelligence:{intel_id}",
                # The author's confirmation that flagged words are not people's names is
                # part of the record, beside the text it vouches for.
                payload={
                    **describe(row, with_text=True),
                    "names_confirmed": summary.names_confirmed,
                },
            )
            return intel_id
    except NotAuthorised as error:
        record_refusal(context, actor=acting_as, attempted="intel add", error=error)
        raise


def read_intelligence(
    context: WorkflowContext, acting_as: ActorRef, intel_id: str
) -> dict[str, Any]:
    """A summary as anyone signed in may read it: with its text unless handling code C
    (then ``restricted`` and no text: reveal it). Writes nothing."""
    with context.database.reads() as session:
        load_actor(session, acting_as)
        row = session.get(IntelligenceRow, intel_id)
        if row is None:
            raise NotFound(f"no intelligence summary {intel_id!r}")
        return describe(row, with_text=not restricted(row))


def restricted_readers(deployment: DeploymentRow | None) -> tuple[Role, ...]:
    """Who may read handling code C text: on a deployment, the roles its profile names (as
    decided under); elsewhere, the organisation's readers."""
    if deployment is None:
        return CONDITIONAL_READERS
    return profile_of(deployment).restricted_intelligence.readers


def reveal_intelligence(
    context: WorkflowContext,
    acting_as: ActorRef,
    intel_id: str,
    *,
    deployment_id: str | None = None,
) -> dict[str, Any]:
    """A summary with its text; revealing handling code C is put on the record first, and
    only the roles allowed may: on a deployment's dossier (``deployment_id``, to which the
    summary must be linked) those its profile names."""
    try:
        with context.database.transaction() as session:
            actor = load_actor(session, acting_as)
            row = session.get(IntelligenceRow, intel_id)
            if row is None:
                raise NotFound(f"no intelligence summary {intel_id!r}")
            deployment = None
            if deployment_id is not None:
                deployment = session.get(DeploymentRow, deployment_id)
                linked = session.get(
                    DeploymentIntelligenceRow,
                    {"deployment_id": deployment_id, "intelligence_id": intel_id},
                )
                if deployment is None or linked is None:
                    raise NotFound(
                        f"no intelligence summary {intel_id!r} is linked to {deployment_id!r}"
                    )
            if restricted(row):
                _check_conditional_reader(actor, restricted_readers(deployment), deployment)
                append_entry(
                    session,
                    recorded_at=context.now(),
                    actor=actor.login,
                    action="intelligence.read",
                    subject=f"intelligence:{intel_id}",
                    reason="handling code C: every reveal is recorded",
                    payload={"intelligence": intel_id}
                    | ({} if deployment_id is None else {"deployment": deployment_id}),
                )
            return describe(row, with_text=True)
    except NotAuthorised as error:
        record_refusal(
            context,
            actor=acting_as,
            attempted="intel reveal",
            error=error,
            subject=f"intelligence:{intel_id}",
        )
        raise


def _check_conditional_reader(
    actor: Actor, readers: tuple[Role, ...], deployment: DeploymentRow | None = None
) -> None:
    if actor.role not in readers:
        under = "" if deployment is None else f" under {deployment.profile_name}"
        raise NotAuthorised(
            f"handling code C intelligence is shared with conditions; a {actor.describe()} "
            f"may not read its text{under}"
        )


def list_intelligence(
    context: WorkflowContext, acting_as: ActorRef, *, valid_at: datetime | None = None
) -> list[dict[str, Any]]:
    """Summaries without their text (read one to see it)."""
    with context.database.sessions() as session:
        load_actor(session, acting_as)
        query = select(IntelligenceRow).order_by(IntelligenceRow.created_at, IntelligenceRow.id)
        if valid_at is not None:
            query = query.where(
                IntelligenceRow.valid_from <= valid_at, IntelligenceRow.valid_to > valid_at
            )
        return [describe(r, with_text=False) for r in session.scalars(query)]
