"""The append-only, hash-chained audit trail: canonical form, hashing and verification."""

from patrolgate.audit.chain import (
    GENESIS,
    EntryHeader,
    StoredEntry,
    canonical,
    jsonable,
    payload_digest,
    sha256,
)
from patrolgate.audit.verify import REDACTION_ACTION, Tampering, Verification, verify_chain

__all__ = [
    "GENESIS",
    "REDACTION_ACTION",
    "EntryHeader",
    "StoredEntry",
    "Tampering",
    "Verification",
    "canonical",
    "jsonable",
    "payload_digest",
    "sha256",
    "verify_chain",
]
