"""Verifying and exporting the audit trail, and its head signed for publication.

An export is read as the records it holds are: the text of restricted (handling code C)
intelligence is withheld from a reader who may not read it, and the export is itself put on
the record (who, and up to which entry) before a line of it is handed over.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from patrolgate.audit import HeadSigner, SignedHead, Verification, jsonable, verify_chain
from patrolgate.intelligence import Handling
from patrolgate.policy import Role
from patrolgate.store.audit_repository import append_entry, head_at, load_entries, load_head
from patrolgate.store.workflow_tables import IntelligenceRow
from patrolgate.timekeeping import day_interval, local_date
from patrolgate.workflow.acting import record_refusal
from patrolgate.workflow.actors import ActorRef, load_actor
from patrolgate.workflow.context import WorkflowContext
from patrolgate.workflow.errors import NotAuthorised
from patrolgate.workflow.intelligence_records import CONDITIONAL_READERS

_PAGE = 5000

#: Who may export the whole trail: oversight (to hold the force to account) and administrators.
EXPORTERS = (Role.OVERSIGHT, Role.ADMIN)

#: What an export shows in place of restricted text its reader may not see.
WITHHELD = "[withheld: handling code C intelligence; this reader may not see its text]"


def verify_audit(
    context: WorkflowContext, published: tuple[int, str] | None = None
) -> Verification:
    """Verify the whole chain against its recorded head and, if given, a published head."""
    with context.database.sessions() as session:
        entries = load_entries(session)
        head = load_head(session)
    return verify_chain(entries, head, published)


def export_audit(context: WorkflowContext) -> Iterator[dict[str, Any]]:
    """Every entry as stored, oldest first: the service's own reading, not an export to a
    person (that is :func:`export_for`, which applies the read rules and is recorded)."""
    yield from _records(context, through=None)


def _records(context: WorkflowContext, through: int | None) -> Iterator[dict[str, Any]]:
    after = 0
    while True:
        with context.database.sessions() as session:
            page = load_entries(session, after_seq=after)[:_PAGE]
        for entry in page:
            if through is not None and entry.seq > through:
                return
            yield entry.as_record()
        if not page:
            return
        after = page[-1].seq


@dataclass(frozen=True)
class AuditExport:
    """An export already on the record: the entries up to ``through_seq``, read as its reader
    may read them."""

    context: WorkflowContext
    reader: str
    through_seq: int
    restricted: frozenset[str]
    withhold: bool

    def records(self) -> Iterator[dict[str, Any]]:
        """The entries, oldest first, restricted text withheld where the reader may not see it."""
        for record in _records(self.context, self.through_seq):
            yield self._as_read(record)

    def _as_read(self, record: dict[str, Any]) -> dict[str, Any]:
        payload = record.get("payload")
        subject = record.get("subject") or ""
        if (
            self.withhold
            and isinstance(payload, dict)
            and "text" in payload
            and subject.startswith("intelligence:")
            and subject.removeprefix("intelligence:") in self.restricted
        ):
            return {**record, "payload": {**payload, "text": WITHHELD}, "withheld": ["text"]}
        return record


def export_for(context: WorkflowContext, acting_as: ActorRef) -> AuditExport:
    """Record an export of the trail by ``acting_as`` (oversight or an administrator) and
    return it; the entries it hands over end at the one before its own record."""
    try:
        with context.database.transaction() as session:
            actor = load_actor(session, acting_as)
            if actor.role not in EXPORTERS:
                raise NotAuthorised(
                    "the audit export is for oversight and administrators "
                    f"(you are a {actor.describe()})"
                )
            withhold = actor.role not in CONDITIONAL_READERS
            restricted = frozenset(
                session.scalars(
                    select(IntelligenceRow.id).where(
                        IntelligenceRow.handling == Handling.CONDITIONS.value
                    )
                )
            )
            through, _ = load_head(session)
            append_entry(
                session,
                recorded_at=context.now(),
                actor=actor.login,
                action="audit.exported",
                subject="audit",
                payload={"through_seq": through, "restricted_text_withheld": withhold},
            )
        return AuditExport(context, actor.login, through, restricted, withhold)
    except NotAuthorised as error:
        record_refusal(
            context, actor=acting_as, attempted="audit export", error=error, subject="audit"
        )
        raise


def chain_head(context: WorkflowContext) -> dict[str, Any]:
    """The recorded head (sequence number and hash), for publication."""
    with context.database.sessions() as session:
        seq, hash_ = load_head(session)
    return {"seq": seq, "hash": hash_, "published_at": context.now().isoformat()}


def signed_head(
    context: WorkflowContext, signer: HeadSigner, as_of: datetime | None = None
) -> SignedHead:
    """The head as it stood just before ``as_of`` (the current head when not given), signed
    with the instance's key."""
    instant = as_of or context.now()
    with context.database.sessions() as session:
        seq, hash_, recorded_at = head_at(session, as_of)
    return signer.sign(
        seq,
        hash_,
        jsonable(recorded_at) if recorded_at is not None else None,
        jsonable(instant),
    )


def daily_head(context: WorkflowContext, signer: HeadSigner, day: date) -> SignedHead:
    """The head as it stood at the end of local ``day``, signed."""
    return signed_head(context, signer, day_interval(day, context.timezone)[1])


def published_head(context: WorkflowContext, signer: HeadSigner) -> SignedHead:
    """The latest published daily head: the chain as it stood at the end of yesterday (local).

    It is computed, not stored: the same day always gives the same signed head (Ed25519
    signatures are deterministic) for as long as the history before it is intact, and
    whoever keeps one can later ask ``patrolgate audit verify-head`` whether it still is.
    """
    today = local_date(context.now(), context.timezone)
    return daily_head(context, signer, date.fromordinal(today.toordinal() - 1))
