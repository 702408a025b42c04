"""The append-only, hash-chained audit trail: canonical form, hashing and verification."""

from patrolgate.audit.chain import (
    GENESIS,
    EntryHeader,
    StoredEntry,
    canonical,
    jsonable,
    payload_digest,
    sha256,
    text_digest,
)
from patrolgate.audit.heads import HeadSigner, SignedHead, read_signed_head
from patrolgate.audit.redaction import (
    REDACTION_ACTION,
    RedactionTarget,
    claimed_seqs,
    redaction_claim,
    redaction_digest,
)
from patrolgate.audit.verify import Tampering, Verification, verify_chain

__all__ = [
    "GENESIS",
    "REDACTION_ACTION",
    "EntryHeader",
    "HeadSigner",
    "RedactionTarget",
    "SignedHead",
    "StoredEntry",
    "Tampering",
    "Verification",
    "canonical",
    "claimed_seqs",
    "jsonable",
    "payload_digest",
    "read_signed_head",
    "redaction_claim",
    "redaction_digest",
    "sha256",
    "text_digest",
    "verify_chain",
]
