"""Appending to and reading the audit chain; appends serialise on the single head row."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from patrolgate.audit import (
    GENESIS,
    REDACTION_ACTION,
    EntryHeader,
    RedactionTarget,
    StoredEntry,
    canonical,
    jsonable,
    payload_digest,
    text_digest,
)
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
    serialises appenders, so two transactions never chain onto the same head. A ``reason``
    is stored beside the payload and chained by its digest (format 2), so that retention
    can redact free text there too.
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
        reason_digest=text_digest(reason) if reason is not None else None,
    )
    own = header.hash()
    entry = {
        "seq": seq,
        "recorded_at": recorded_at,
        "actor": actor,
        "action": action,
        "deployment_id": deployment_id,
        "subject": subject,
        "reason": None,
        "reason_digest": header.reason_digest,
        "payload_digest": header.payload_digest,
        "previous_hash": previous,
        "hash": own,
    }
    stored_payload = {
        "seq": seq,
        "body": canonical(body).decode("utf-8"),
        "reason": reason,
        "redacted_by": None,
    }
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
    # Format 2 keeps the reason beside the payload; a reason found in the entry row of such
    # an entry was put there by hand, and verification names it (its digest differs).
    reason = entry.reason
    if reason is None and payload is not None:
        reason = payload.reason
    header = EntryHeader(
        recorded_at=entry.recorded_at,
        actor=entry.actor,
        action=entry.action,
        deployment_id=entry.deployment_id,
        subject=entry.subject,
        reason=reason,
        payload_digest=entry.payload_digest,
        previous_hash=entry.previous_hash,
        reason_digest=entry.reason_digest,
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
    session: Session,
    *,
    deployment_id: str | None = None,
    after_seq: int = 0,
    action: str | None = None,
) -> list[StoredEntry]:
    """Entries in stored order, all of them, one deployment's or one action's."""
    query = (
        select(AuditEntryRow, AuditPayloadRow)
        .outerjoin(AuditPayloadRow, AuditPayloadRow.seq == AuditEntryRow.seq)
        .where(AuditEntryRow.seq > after_seq)
        .order_by(AuditEntryRow.seq)
    )
    if deployment_id is not None:
        query = query.where(AuditEntryRow.deployment_id == deployment_id)
    if action is not None:
        query = query.where(AuditEntryRow.action == action)
    return [_stored(entry, payload) for entry, payload in session.execute(query).all()]


def load_head(session: Session) -> tuple[int, str]:
    """The recorded head: last sequence number and hash."""
    seq, hash_ = session.execute(select(AuditHeadRow.seq, AuditHeadRow.hash)).one()
    return int(seq), str(hash_)


def head_at(session: Session, before: datetime | None) -> tuple[int, str, datetime | None]:
    """The last entry recorded before ``before`` (the recorded head when None): its sequence
    number, hash and time; ``(0, GENESIS, None)`` before the first entry."""
    if before is None:
        seq, hash_ = load_head(session)
        at = session.scalar(select(AuditEntryRow.recorded_at).where(AuditEntryRow.seq == seq))
        return seq, hash_, at
    found = session.execute(
        select(AuditEntryRow.seq, AuditEntryRow.hash, AuditEntryRow.recorded_at)
        .where(AuditEntryRow.recorded_at < before)
        .order_by(AuditEntryRow.seq.desc())
        .limit(1)
    ).first()
    if found is None:
        return 0, GENESIS, None
    return int(found[0]), str(found[1]), found[2]


def redact_payloads(
    session: Session, targets: Iterable[RedactionTarget], redaction_seq: int
) -> int:
    """Drop the payloads and reasons of ``targets`` (their digests stay chained); returns how
    many. ``redaction_seq`` is the retention entry, appended in this transaction, that lists
    them: the database's triggers refuse any other redaction."""
    wanted = sorted({t.seq for t in targets})
    if not wanted:
        return 0
    result = session.execute(
        update(AuditPayloadRow)
        .where(AuditPayloadRow.seq.in_(wanted), AuditPayloadRow.redacted_by.is_(None))
        .values(body=None, reason=None, redacted_by=redaction_seq)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def redaction_targets(
    session: Session, *, subjects: Iterable[str] = (), deployment_id: str | None = None
) -> list[RedactionTarget]:
    """Entries about ``subjects`` or one deployment whose payload is not yet redacted, with
    the digests a retention entry records of them; retention entries themselves excepted."""
    query = (
        select(AuditEntryRow.seq, AuditEntryRow.payload_digest, AuditEntryRow.reason_digest)
        .join(AuditPayloadRow, AuditPayloadRow.seq == AuditEntryRow.seq)
        .where(AuditPayloadRow.redacted_by.is_(None), AuditEntryRow.action != REDACTION_ACTION)
        .order_by(AuditEntryRow.seq)
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
    return [
        RedactionTarget(int(seq), str(digest), reason_digest)
        for seq, digest, reason_digest in session.execute(query).all()
    ]
