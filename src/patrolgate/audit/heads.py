"""Chain heads signed with the instance's key, for publication.

A hash chain alone can be recomputed by whoever can write to the database; a head published
somewhere else cannot. Each published head is signed with an Ed25519 key derived from the
instance's secret (``PATROLGATE_SECRET_KEY``), so whoever keeps one can show it came from
this instance (its public key is printed with every head and on the transparency page),
and the instance can later be asked whether its chain still holds it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from patrolgate.audit.chain import canonical
from patrolgate.errors import InvalidInput

#: What a signed head file says it is; a later format would get a new name.
HEAD_FORMAT = "patrolgate-audit-head/1"
_KEY_INFO = b"patrolgate audit chain head signing key"


@dataclass(frozen=True)
class SignedHead:
    """The chain head as it stood at ``as_of``, signed by the instance."""

    seq: int
    hash: str
    recorded_at: str | None
    as_of: str
    public_key: str
    signature: str
    format: str = HEAD_FORMAT

    def signed_part(self) -> bytes:
        """The bytes the signature covers: every field but the signature."""
        fields = asdict(self)
        del fields["signature"]
        return canonical(fields)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (what ``patrolgate audit head --format json`` prints)."""
        return {**asdict(self), "published_head": f"{self.seq}:{self.hash}"}

    def signature_valid(self) -> bool:
        """Whether the signature verifies with the public key the head names."""
        return signature_verifies(self.public_key, self.signature, self.signed_part())


def signature_verifies(public_key: str, signature: str, message: bytes) -> bool:
    """Whether ``signature`` (hex) over ``message`` verifies with the Ed25519 ``public_key``
    (hex); malformed keys and signatures do not."""
    # Imported here: every command loads this module, few sign or check a signature.
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key))
        key.verify(bytes.fromhex(signature), message)
    except (ValueError, InvalidSignature):
        return False
    return True


class HeadSigner:
    """Signs chain heads with the Ed25519 key derived from the instance's secret."""

    def __init__(self, secret: str) -> None:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_INFO).derive(
            secret.encode("utf-8")
        )
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        self.public_key = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()

    def sign_message(self, message: bytes) -> str:
        """An Ed25519 signature (hex) of ``message``; callers prefix their own format name,
        so a signature of one kind of document never passes for another."""
        return self._key.sign(message).hex()

    def sign(self, seq: int, hash_: str, recorded_at: str | None, as_of: str) -> SignedHead:
        """The head ``seq:hash_`` as it stood at ``as_of``, signed."""
        unsigned = SignedHead(seq, hash_, recorded_at, as_of, self.public_key, signature="")
        signature = self._key.sign(unsigned.signed_part()).hex()
        return SignedHead(seq, hash_, recorded_at, as_of, self.public_key, signature)


def read_signed_head(text: str, source: str) -> SignedHead:
    """A signed head from its JSON (as ``audit head --format json`` printed it)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInput(f"{source}: not JSON ({error.msg} at line {error.lineno})") from error
    if not isinstance(data, dict):
        raise InvalidInput(f"{source}: a signed head is a JSON object")
    if data.get("format") != HEAD_FORMAT:
        raise InvalidInput(f"{source}: not a signed audit head (format {HEAD_FORMAT!r})")
    try:
        head = SignedHead(
            seq=_typed(data, "seq", int),
            hash=_typed(data, "hash", str),
            recorded_at=data.get("recorded_at"),
            as_of=_typed(data, "as_of", str),
            public_key=_typed(data, "public_key", str),
            signature=_typed(data, "signature", str),
        )
    except (KeyError, TypeError) as error:
        raise InvalidInput(f"{source}: {error.args[0]}") from error
    if head.seq < 0 or len(head.hash) != 64:
        raise InvalidInput(f"{source}: seq must be 0 or more and hash 64 hex digits")
    if head.recorded_at is not None and not isinstance(head.recorded_at, str):
        raise InvalidInput(f"{source}: recorded_at must be text or null")
    return head


def _typed(data: dict[str, Any], name: str, kind: type) -> Any:
    if name not in data:
        raise KeyError(f"field {name!r} is missing")
    value = data[name]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise TypeError(f"field {name!r} must be {kind.__name__}")
    return value
