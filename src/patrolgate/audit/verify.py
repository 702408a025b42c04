"""Verifying a chain and naming the first entry that was edited, deleted, inserted or moved."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from patrolgate.audit.chain import GENESIS, StoredEntry, payload_digest

REDACTION_ACTION = "retention.redacted"


class Tampering(StrEnum):
    """What verification found wrong."""

    EDITED = "edited"
    DELETED = "deleted"
    INSERTED = "inserted"
    REORDERED = "reordered"


@dataclass(frozen=True)
class Verification:
    """The result of verifying a chain."""

    ok: bool
    entries: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: Tampering | None = None
    message: str = "the audit chain verifies"

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "ok": self.ok,
            "entries": self.entries,
            "head_hash": self.head_hash,
            "first_bad_seq": self.first_bad_seq,
            "problem": self.problem.value if self.problem else None,
            "message": self.message,
        }


def _bad(entries: int, head: str, seq: int, problem: Tampering, message: str) -> Verification:
    return Verification(False, entries, head, seq, problem, message)


def verify_chain(
    entries: Sequence[StoredEntry],
    head: tuple[int, str] | None = None,
    published: tuple[int, str] | None = None,
) -> Verification:
    """Verify ``entries`` in stored order, against the recorded ``head`` and a ``published`` one.

    A keyless hash chain can be recomputed from the first edit onwards by whoever can write
    to the database; a head published elsewhere catches that too.
    """
    n = len(entries)
    position = {e.hash: i for i, e in enumerate(entries)}
    actions = {e.seq: e.header.action for e in entries}
    expected = GENESIS
    for i, entry in enumerate(entries):
        if entry.header.hash() != entry.hash:
            return _bad(n, expected, entry.seq, Tampering.EDITED, f"entry {entry.seq} was edited")
        link = entry.header.previous_hash
        if link != expected:
            earlier = position.get(link)
            if earlier is not None and earlier > i:
                return _bad(
                    n,
                    expected,
                    entry.seq,
                    Tampering.REORDERED,
                    f"entry {entry.seq} is out of order: it was chained after entry "
                    f"{entries[earlier].seq}, which is stored later",
                )
            if earlier is not None and earlier < i - 1:
                first = entries[earlier + 1]
                return _bad(
                    n,
                    expected,
                    first.seq,
                    Tampering.INSERTED,
                    f"entry {first.seq} was inserted: entry {entry.seq} was chained directly "
                    f"after entry {entries[earlier].seq}",
                )
            if earlier is None and i + 1 < n and entries[i + 1].header.previous_hash == expected:
                return _bad(
                    n,
                    expected,
                    entry.seq,
                    Tampering.INSERTED,
                    f"entry {entry.seq} was inserted: it is not chained to the entry before it",
                )
            if i > 0 and earlier is None and entry.seq == entries[i - 1].seq + 1:
                before = entries[i - 1].seq
                return _bad(
                    n,
                    expected,
                    before,
                    Tampering.EDITED,
                    f"entry {before} was edited (its hash recomputed), or the entry after it "
                    f"deleted and the rest renumbered: entry {entry.seq} was chained elsewhere",
                )
            missing = entries[i - 1].seq + 1 if i > 0 else 1
            return _bad(
                n,
                expected,
                missing,
                Tampering.DELETED,
                f"entry {missing} was deleted: entry {entry.seq} was chained to an entry "
                "that is no longer there",
            )
        if entry.redacted_by is not None:
            if actions.get(entry.redacted_by) != REDACTION_ACTION or entry.redacted_by <= entry.seq:
                return _bad(
                    n,
                    expected,
                    entry.seq,
                    Tampering.EDITED,
                    f"entry {entry.seq}: its payload was removed without a recorded redaction",
                )
        elif entry.payload is None:
            return _bad(
                n, expected, entry.seq, Tampering.DELETED, f"entry {entry.seq}: payload deleted"
            )
        elif payload_digest(entry.payload) != entry.header.payload_digest:
            return _bad(
                n, expected, entry.seq, Tampering.EDITED, f"entry {entry.seq}: payload was edited"
            )
        expected = entry.hash
    if head is not None:
        head_seq, head_hash = head
        last_seq = entries[-1].seq if entries else 0
        if head_hash != expected:
            if head_hash in position:
                after = entries[position[head_hash] + 1].seq
                return _bad(
                    n,
                    expected,
                    after,
                    Tampering.INSERTED,
                    f"entry {after} was inserted after the recorded head of the chain",
                )
            return _bad(
                n,
                expected,
                last_seq + 1,
                Tampering.DELETED,
                f"entry {last_seq + 1} was deleted: the chain ends at entry {last_seq} but "
                f"its recorded head is entry {head_seq}",
            )
    if published is not None:
        published_seq, published_hash = published
        match = next((e for e in entries if e.seq == published_seq), None)
        if match is None or match.hash != published_hash:
            bound = _first_rewritten(entries, published_seq)
            return _bad(
                n,
                expected,
                bound,
                Tampering.EDITED,
                f"the chain was rewritten: entry {published_seq} no longer has the published "
                f"hash {published_hash[:12]}…",
            )
    return Verification(True, n, expected)


def _first_rewritten(entries: Sequence[StoredEntry], published_seq: int) -> int:
    """Without the original we cannot say which entry was first changed; name the bound."""
    return min(published_seq, entries[-1].seq if entries else published_seq)
