"""Verifying and exporting the audit trail, and its head for publication."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from patrolgate.audit import Verification, verify_chain
from patrolgate.store.audit_repository import load_entries, load_head
from patrolgate.workflow.context import WorkflowContext

_PAGE = 5000


def verify_audit(
    context: WorkflowContext, published: tuple[int, str] | None = None
) -> Verification:
    """Verify the whole chain against its recorded head and, if given, a published head."""
    with context.database.sessions() as session:
        entries = load_entries(session)
        head = load_head(session)
    return verify_chain(entries, head, published)


def export_audit(context: WorkflowContext) -> Iterator[dict[str, Any]]:
    """Every entry, oldest first, as JSON-ready records (one per line in JSONL)."""
    after = 0
    while True:
        with context.database.sessions() as session:
            page = load_entries(session, after_seq=after)[:_PAGE]
        if not page:
            return
        for entry in page:
            yield entry.as_record()
        after = page[-1].seq


def chain_head(context: WorkflowContext) -> dict[str, Any]:
    """The recorded head (sequence number and hash), for publication."""
    with context.database.sessions() as session:
        seq, hash_ = load_head(session)
    return {"seq": seq, "hash": hash_, "published_at": context.now().isoformat()}
