"""What a retention entry claims: which entries it redacted, and a digest of what they held.

A redacted entry keeps its payload digest (and its reason digest) in the chain; the
retention entry that redacted it lists it and records one digest over every
``(seq, payload digest, reason digest)`` it redacted, so verification can tell a recorded
redaction from content quietly erased and pointed at some unrelated retention entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from patrolgate.audit.chain import canonical, sha256

#: The action of a retention entry, the only kind of entry that may redact others.
REDACTION_ACTION = "retention.redacted"


@dataclass(frozen=True)
class RedactionTarget:
    """One entry to redact, with the digests the chain keeps of it."""

    seq: int
    payload_digest: str
    reason_digest: str | None


def redaction_digest(targets: Iterable[RedactionTarget]) -> str:
    """One digest over what a retention entry redacted, in sequence order."""
    listed = sorted((t.seq, t.payload_digest, t.reason_digest) for t in targets)
    return sha256(canonical([list(item) for item in listed]))


def redaction_claim(record: str, targets: Iterable[RedactionTarget]) -> dict[str, Any]:
    """The payload of a retention entry: the record it served, what it redacted, the digest."""
    chosen = sorted(targets, key=lambda t: t.seq)
    return {
        "record": record,
        "redacted_entries": [t.seq for t in chosen],
        "redacted_digest": redaction_digest(chosen),
    }


def claimed_seqs(payload: Mapping[str, Any] | None) -> frozenset[int]:
    """The entries a retention entry's payload says it redacted (none if unreadable)."""
    if payload is None:
        return frozenset()
    listed = payload.get("redacted_entries")
    if not isinstance(listed, list):
        return frozenset()
    return frozenset(s for s in listed if isinstance(s, int) and not isinstance(s, bool))
