"""Verifying a chain and naming the first entry that was edited, deleted, inserted or moved,
erased without a recorded redaction, or cut off the end."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from patrolgate.audit.chain import GENESIS, StoredEntry, payload_digest, text_digest
from patrolgate.audit.redaction import (
    REDACTION_ACTION,
    RedactionTarget,
    claimed_seqs,
    redaction_digest,
)


class Tampering(StrEnum):
    """What verification found wrong."""

    EDITED = "edited"
    DELETED = "deleted"
    INSERTED = "inserted"
    REORDERED = "reordered"
    #: Content removed and made to look like a redaction that no retention entry recorded.
    ERASED = "erased"
    #: Entries removed from the end of the chain (and its recorded head moved back).
    TRUNCATED = "truncated"


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
    by_seq = {e.seq: e for e in entries}
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
        content = _content_problem(entry, by_seq)
        if content is not None:
            problem, message = content
            return _bad(n, expected, entry.seq, problem, message)
        expected = entry.hash
    last_seq = entries[-1].seq if entries else 0
    if head is not None:
        head_seq, head_hash = head
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
            if head_seq > last_seq:
                return _bad(
                    n,
                    expected,
                    last_seq + 1,
                    Tampering.TRUNCATED,
                    f"the chain was truncated: it ends at entry {last_seq} but its recorded "
                    f"head is entry {head_seq} (entries {last_seq + 1} to {head_seq} are gone)",
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
        match = by_seq.get(published_seq)
        if match is None and published_seq > last_seq:
            return _bad(
                n,
                expected,
                last_seq + 1,
                Tampering.TRUNCATED,
                f"the chain was truncated: it ends at entry {last_seq}, but a head published "
                f"earlier is entry {published_seq} (entries {last_seq + 1} to "
                f"{published_seq} are gone)",
            )
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


def _content_problem(
    entry: StoredEntry, by_seq: dict[int, StoredEntry]
) -> tuple[Tampering, str] | None:
    """What is wrong with an entry's payload and reason, or with its redaction, if anything."""
    seq, header = entry.seq, entry.header
    reason, reason_digest = header.reason, header.reason_digest
    if reason_digest is not None and reason is not None and text_digest(reason) != reason_digest:
        return Tampering.EDITED, f"entry {seq}: its reason was edited"
    if entry.redacted_by is not None:
        return _redaction_problem(entry, by_seq)
    if entry.payload is None:
        return Tampering.DELETED, f"entry {seq}: payload deleted"
    if payload_digest(entry.payload) != header.payload_digest:
        return Tampering.EDITED, f"entry {seq}: payload was edited"
    if header.reason_digest is not None and header.reason is None:
        return Tampering.DELETED, f"entry {seq}: its reason was deleted"
    if header.action == REDACTION_ACTION:
        return _claim_problem(entry, by_seq)
    return None


def _redaction_problem(
    entry: StoredEntry, by_seq: dict[int, StoredEntry]
) -> tuple[Tampering, str] | None:
    """A redacted entry must be listed by the later retention entry that claims it."""
    seq, by = entry.seq, entry.redacted_by
    claimant = by_seq.get(by) if by is not None else None
    if claimant is None or claimant.header.action != REDACTION_ACTION or by is None or by <= seq:
        return (
            Tampering.ERASED,
            f"entry {seq}: its payload was removed without a recorded redaction",
        )
    if entry.header.action == REDACTION_ACTION:
        return Tampering.ERASED, f"entry {seq}: a retention entry's own record was removed"
    if claimant.payload is None:
        return (
            Tampering.ERASED,
            f"entry {seq}: its payload was removed, and so was the record of retention entry "
            f"{by} that would say why",
        )
    if seq not in claimed_seqs(claimant.payload):
        return (
            Tampering.ERASED,
            f"entry {seq}: its payload was removed, but retention entry {by} does not list it "
            "among the entries it redacted",
        )
    return None


def _claim_problem(
    claimant: StoredEntry, by_seq: dict[int, StoredEntry]
) -> tuple[Tampering, str] | None:
    """A retention entry's list must match what it redacted, and its digest what they held."""
    payload = claimant.payload or {}
    targets: list[RedactionTarget] = []
    for listed in sorted(claimed_seqs(payload)):
        redacted = by_seq.get(listed)
        if redacted is None or redacted.redacted_by != claimant.seq:
            return (
                Tampering.EDITED,
                f"entry {claimant.seq}: it lists entry {listed} as redacted by it, "
                "which that entry is not",
            )
        targets.append(
            RedactionTarget(listed, redacted.header.payload_digest, redacted.header.reason_digest)
        )
    recorded = payload.get("redacted_digest")
    if recorded is not None and recorded != redaction_digest(targets):
        return (
            Tampering.EDITED,
            f"entry {claimant.seq}: its digest of what it redacted does not match the "
            "entries it lists",
        )
    return None
