"""Appending to and reading the audit chain; appends serialise on the single head row."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from patrolgate.audit import EntryHeader, StoredEntry, canonical, jsonable, payload_digest
from patrolgate.store.audit_tables import AuditEntryRow, AuditHeadRow, AuditPayloadRow

#: The entry and payload tables, for the Core inserts of :func:`append_entry`.
ENTRIES = cast(Table, AuditEntryRow.__table__)
PAYLOADS = cast(Table, AuditPayloadRow.__table__)


def append_entry(
    session: Session,
    *,
    recorded_at: datetime,
    actor: str | None,
    action: str,
    payload: Mapping[str, Any],
    deployment_id: str | None = None,
    subject: str | None = None,
    reason: str | None = None,
) -> int:
    """Append one entry in the session's transaction; returns its sequence number.

    The head row is updated first: on PostgreSQL that row lock, on SQLite the write lock,
    serialises appenders, so two transactions never chain onto the same head.
    """
    seq, previous = session.execute(
        update(AuditHeadRow)
        .where(AuditHeadRow.id == 1)
        .values(seq=AuditHeadRow.seq + 1)
        .returning(AuditHeadRow.seq, AuditHeadRow.hash)
        .execution_options(synchronize_session=False)
    ).one()
    body = jsonable(payload)
    header = EntryHeader(
        recorded_at=recorded_at,
        actor=actor,
        action=action,
        deployment_id=deployment_id,
        subject=subject,
        reason=reason,
        payload_digest=payload_digest(body),
        previous_hash=previous,
    )
    own = header.hash()
    entry = {
        "seq": seq,
        "recorded_at": recorded_at,
        "actor": actor,
        "action": action,
        "deployment_id": deployment_id,
        "subject": subject,
        "reason": reason,
        "payload_digest": header.payload_digest,
        "previous_hash": previous,
        "hash": own,
    }
    stored_payload = {"seq": seq, "body": canonical(body).decode("utf-8"), "redacted_by": None}
    # Core statements, not the ORM's unit of work: these run while the head row is locked,
    # and every appender in every process waits on that lock, so what happens under it is
    # kept short and free of object bookkeeping.
    move_head = (
        update(AuditHeadRow)
        .where(AuditHeadRow.id == 1)
        .values(hash=own)
        .execution_options(synchronize_session=False)
    )
    if session.get_bind().dialect.name == "postgresql":
        # One round trip: both inserts ride on the head's update as data-modifying CTEs
        # (each runs exactly once; the payload's foreign key is checked at the statement's
        # end, when the entry exists).
        session.execute(
            move_head.add_cte(insert(ENTRIES).values(**entry).cte("new_entry")).add_cte(
                insert(PAYLOADS).values(**stored_payload).cte("new_payload")
            )
        )
    else:  # SQLite has no data-modifying CTEs, and its round trips stay in the process
        session.execute(insert(ENTRIES), entry)
        session.execute(insert(PAYLOADS), stored_payload)
        session.execute(move_head)
    return int(seq)


def _stored(entry: AuditEntryRow, payload: AuditPayloadRow | None) -> StoredEntry:
    header = EntryHeader(
        recorded_at=entry.recorded_at,
        actor=entry.actor,
        action=entry.action,
        deployment_id=entry.deployment_id,
        subject=entry.subject,
        reason=entry.reason,
        payload_digest=entry.payload_digest,
        previous_hash=entry.previous_hash,
    )
    body = None
    if payload is not None and payload.body is not None:
        try:
            body = json.loads(payload.body)
        except json.JSONDecodeError:
            body = {"unreadable": payload.body}
    return StoredEntry(
        seq=entry.seq,
        header=header,
        hash=entry.hash,
        payload=body,
        redacted_by=payload.redacted_by if payload is not None else None,
    )


def load_entries(
    session: Session, *, deployment_id: str | None = None, after_seq: int = 0
) -> list[StoredEntry]:
    """Entries in stored order, all of them or one deployment's."""
    query = (
        select(AuditEntryRow, AuditPayloadRow)
        .outerjoin(AuditPayloadRow, AuditPayloadRow.seq == AuditEntryRow.seq)
        .where(AuditEntryRow.seq > after_seq)
        .order_by(AuditEntryRow.seq)
    )
    if deployment_id is not None:
        query = query.where(AuditEntryRow.deployment_id == deployment_id)
    return [_stored(entry, payload) for entry, payload in session.execute(query).all()]


def load_head(session: Session) -> tuple[int, str]:
    """The recorded head: last sequence number and hash."""
    seq, hash_ = session.execute(select(AuditHeadRow.seq, AuditHeadRow.hash)).one()
    return int(seq), str(hash_)


def redact_payloads(session: Session, seqs: Iterable[int], redaction_seq: int) -> int:
    """Drop the payloads of ``seqs`` (their digests stay chained); returns how many."""
    wanted = sorted(set(seqs))
    if not wanted:
        return 0
    result = session.execute(
        update(AuditPayloadRow)
        .where(AuditPayloadRow.seq.in_(wanted), AuditPayloadRow.redacted_by.is_(None))
        .values(body=None, redacted_by=redaction_seq)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def entry_seqs(
    session: Session, *, subjects: Iterable[str] = (), deployment_id: str | None = None
) -> list[int]:
    """Entries about ``subjects`` or one deployment whose payload is not yet redacted."""
    query = (
        select(AuditEntryRow.seq)
        .join(AuditPayloadRow, AuditPayloadRow.seq == AuditEntryRow.seq)
        .where(AuditPayloadRow.redacted_by.is_(None))
    )
    wanted = list(subjects)
    if wanted and deployment_id is not None:
        query = query.where(
            (AuditEntryRow.subject.in_(wanted)) | (AuditEntryRow.deployment_id == deployment_id)
        )
    elif wanted:
        query = query.where(AuditEntryRow.subject.in_(wanted))
    elif deployment_id is not None:
        query = query.where(AuditEntryRow.deployment_id == deployment_id)
    else:
        return []
    return [int(s) for s in session.scalars(query).all()]
