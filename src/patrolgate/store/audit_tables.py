"""Tables of the audit trail: entries, their payloads and the chain head.

``audit_entries`` is append-only: database triggers (migration 0002) refuse UPDATE and
DELETE on it; payloads may only be redacted by a retention entry recorded in the same
transaction that lists them (triggers of migration 0008).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from patrolgate.store.column_types import UTCDateTime
from patrolgate.store.tables import Base


class AuditEntryRow(Base):
    """One audit entry; its hash covers the header and the digest of its payload."""

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(60))
    deployment_id: Mapped[str | None] = mapped_column(String(20))
    subject: Mapped[str | None] = mapped_column(String(60))
    #: The reason of entries recorded before chain format 2; since then it is kept with the
    #: payload (redactable) and the entry holds its digest.
    reason: Mapped[str | None] = mapped_column(Text)
    reason_digest: Mapped[str | None] = mapped_column(String(64))
    payload_digest: Mapped[str] = mapped_column(String(64))
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    __table_args__ = (Index("ix_audit_entries_deployment", "deployment_id"),)


class AuditPayloadRow(Base):
    """An entry's payload, kept apart so retention can redact it; the digest stays chained."""

    __tablename__ = "audit_payloads"

    seq: Mapped[int] = mapped_column(ForeignKey("audit_entries.seq"), primary_key=True)
    body: Mapped[str | None] = mapped_column(Text)
    #: The entry's reason (chain format 2), redacted with the body.
    reason: Mapped[str | None] = mapped_column(Text)
    redacted_by: Mapped[int | None] = mapped_column(Integer)


class AuditHeadRow(Base):
    """The single row holding the chain head; updating it serialises appends."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
