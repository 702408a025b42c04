"""Canonical serialisation and SHA-256 hashing of audit entries.

An entry's hash covers its header and the *digest* of its payload, not the payload itself,
so that retention may redact a payload and the chain still verifies. Entries recorded since
chain format 2 (migration 0008) treat their free-text reason the same way: the hash covers
the reason's digest, and the text lives beside the payload, redactable with it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

#: The previous hash of the first entry.
GENESIS = "0" * 64


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON types: aware datetimes as UTC ISO text, enums as values."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} in an audit payload")
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return jsonable(value.value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(jsonable(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def canonical(value: Any) -> bytes:
    """The one byte serialisation of ``value``: sorted keys, no spaces, UTF-8."""
    return json.dumps(
        jsonable(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def sha256(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def payload_digest(payload: Mapping[str, Any]) -> str:
    """The digest of a payload, which the chain covers in its place."""
    return sha256(canonical(payload))


def text_digest(text: str) -> str:
    """The digest of an entry's reason, which the chain covers in its place (format 2)."""
    return sha256(text.encode("utf-8"))


@dataclass(frozen=True)
class EntryHeader:
    """What an entry's hash covers."""

    recorded_at: datetime
    actor: str | None
    action: str
    deployment_id: str | None
    subject: str | None
    reason: str | None
    payload_digest: str
    previous_hash: str
    #: Format 2: the digest of ``reason``, which the hash covers instead of the text.
    reason_digest: str | None = None

    def hash(self) -> str:
        """SHA-256 over the canonical serialisation of the header."""
        covered: dict[str, Any] = {
            "recorded_at": self.recorded_at,
            "actor": self.actor,
            "action": self.action,
            "deployment_id": self.deployment_id,
            "subject": self.subject,
            "payload_digest": self.payload_digest,
            "previous_hash": self.previous_hash,
        }
        if self.reason_digest is None:
            covered["reason"] = self.reason
        else:
            covered["reason_digest"] = self.reason_digest
        return sha256(canonical(covered))


@dataclass(frozen=True)
class StoredEntry:
    """An entry as stored: position, header, own hash, and its payload unless redacted."""

    seq: int
    header: EntryHeader
    hash: str
    payload: dict[str, Any] | None
    redacted_by: int | None = None

    def as_record(self) -> dict[str, Any]:
        """The entry as one JSON-ready record (for export)."""
        h = self.header
        return {
            "seq": self.seq,
            "recorded_at": jsonable(h.recorded_at),
            "actor": h.actor,
            "action": h.action,
            "deployment_id": h.deployment_id,
            "subject": h.subject,
            "reason": h.reason,
            "payload": self.payload,
            "payload_digest": h.payload_digest,
            "reason_digest": h.reason_digest,
            "redacted_by": self.redacted_by,
            "previous_hash": h.previous_hash,
            "hash": self.hash,
        }
