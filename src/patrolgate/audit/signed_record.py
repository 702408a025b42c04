"""A deployment's decision record as a signed, self-checking HTML file.

The record (grounds, decisions with names, ranks and times, the profile hash, the audit
chain head at export) is a JSON document signed with the instance's Ed25519 key, the key
that signs the published chain heads (:class:`~patrolgate.audit.heads.HeadSigner`). The HTML
file holds that JSON in a data block and shows it as text; the page is generated from the
JSON alone, so whoever checks it (``patrolgate audit verify-record FILE``) verifies the
signature and that the visible page is exactly the one the signed JSON gives: an edit to
either fails.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html import escape
from typing import Any

from patrolgate.audit.chain import canonical
from patrolgate.audit.heads import HeadSigner, signature_verifies
from patrolgate.errors import InvalidInput

#: What a record file says it is; a later layout would get a new name.
RECORD_FORMAT = "patrolgate-deployment-record/1"
_DATA_ID = "patrolgate-record"
_DATA = re.compile(
    r'<script type="application/json" id="' + _DATA_ID + r'">(.*?)</script>', re.DOTALL
)


@dataclass(frozen=True)
class SignedRecord:
    """A record's content, the public key that signed it and the signature."""

    payload: dict[str, Any]
    public_key: str
    signature: str
    format: str = RECORD_FORMAT

    def signed_part(self) -> bytes:
        """The bytes the signature covers: the format, the key and the payload."""
        return canonical(
            {"format": self.format, "public_key": self.public_key, "payload": self.payload}
        )

    def signature_valid(self) -> bool:
        """Whether the signature verifies with the public key the record names."""
        return signature_verifies(self.public_key, self.signature, self.signed_part())

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (what the file's data block holds)."""
        return {
            "format": self.format,
            "public_key": self.public_key,
            "signature": self.signature,
            "payload": self.payload,
        }


def sign_record(signer: HeadSigner, payload: dict[str, Any]) -> SignedRecord:
    """``payload`` (made JSON-ready, keys in canonical order, as a reader of the file will
    parse it) signed with the instance's key."""
    plain = json.loads(canonical(payload))
    unsigned = SignedRecord(plain, signer.public_key, signature="")
    return SignedRecord(plain, signer.public_key, signer.sign_message(unsigned.signed_part()))


def _data_block(record: SignedRecord) -> str:
    text = json.dumps(record.as_dict(), sort_keys=True, ensure_ascii=True, indent=1)
    # Inside a script element "</" would end it: JSON allows these escapes.
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    return escape(str(value))


def _rows(pairs: list[tuple[str, Any]]) -> str:
    return "".join(
        f'<tr><th scope="row">{escape(k)}</th><td>{_text(v)}</td></tr>' for k, v in pairs
    )


def _table(head: list[str], rows: list[list[Any]]) -> str:
    cells = "".join(f'<th scope="col">{escape(h)}</th>' for h in head)
    body = "".join("<tr>" + "".join(f"<td>{_text(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


_STYLE = (
    "body{font:14px/1.45 system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;"
    "color:#0b0c0c}table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px "
    "solid #b1b4b6;padding:.25rem .4rem;text-align:left;vertical-align:top}th[scope=row]"
    "{width:14rem}code{word-break:break-all}.sig{background:#f3f2f1;padding:.5rem}"
)


def render_record(record: SignedRecord) -> str:
    """The record's HTML file: its visible text is made from the signed JSON alone."""
    p = record.payload
    d = p.get("deployment", {})
    g = p.get("grounds", {})
    head = p.get("audit_head", {})
    exported = p.get("exported", {})
    areas = "; ".join(
        f"{a.get('name')} ({a.get('borough') or a.get('code')})" for a in d.get("areas", [])
    )
    parts = [
        "<!doctype html>",
        '<html lang="en-GB"><head><meta charset="utf-8">',
        f"<title>Decision record {_text(d.get('id'))} · PatrolGate</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>Decision record: deployment {_text(d.get('id'))}</h1>",
        '<p class="sig">Signed by this PatrolGate instance (Ed25519 public key '
        f"<code>{_text(record.public_key)}</code>). Check it with "
        "<code>patrolgate audit verify-record FILE</code>: the signature, the key, that this "
        "page is exactly the signed content, and that the audit chain still holds the head "
        "below.</p>",
        "<h2>The deployment</h2>",
        "<table>"
        + _rows(
            [
                ("Power (policy profile)", d.get("profile")),
                ("Profile version", d.get("profile_version")),
                ("Profile sha256", d.get("profile_sha256")),
                ("Trigger", d.get("trigger")),
                ("Areas", areas),
                ("Boroughs", "; ".join(d.get("boroughs", []))),
                ("Area (km²)", d.get("area_km2")),
                ("Authorised from", d.get("start_local")),
                ("Authorised to", d.get("end_local")),
                ("Actually began", d.get("actual_start_local")),
                ("Actually ended", d.get("actual_end_local")),
                ("State", d.get("state")),
            ]
        )
        + "</table>",
        "<h2>Grounds</h2>",
        "<table>"
        + _rows(
            [("Summary of the reason", g.get("summary"))]
            + [(str(k).replace("_", " "), v) for k, v in (g.get("ndm") or [])]
            + [
                ("The authoriser's grounds", g.get("authoriser_grounds")),
                ("Conditions", g.get("conditions")),
            ]
            + [(f"Forecast ({i + 1})", s) for i, s in enumerate(g.get("forecast") or [])]
        )
        + "</table>",
        "<h3>Linked intelligence</h3>",
        _table(
            ["Summary", "Grade", "Valid", "Author", "Areas", "Text"],
            [
                [
                    i.get("id"),
                    i.get("grading"),
                    i.get("valid"),
                    i.get("author"),
                    i.get("areas"),
                    i.get("text"),
                ]
                for i in g.get("intelligence", [])
            ],
        ),
        "<h2>Decisions (from the audit trail)</h2>",
        _table(
            ["#", "When", "Who", "Role", "Rank", "What", "Reason"],
            [
                [
                    e.get("seq"),
                    e.get("at_local"),
                    e.get("actor"),
                    e.get("role"),
                    e.get("rank"),
                    e.get("action"),
                    e.get("reason"),
                ]
                for e in p.get("decisions", [])
            ],
        ),
        "<h3>Consultations</h3>",
        _table(
            ["Consultee", "Role", "Outcome", "What was said"],
            [
                [c.get("consultee"), c.get("role"), c.get("outcome"), c.get("notes")]
                for c in p.get("consultations", [])
            ],
        ),
        "<h2>Audit chain head at export</h2>",
        "<table>"
        + _rows(
            [
                ("Entry", head.get("seq")),
                ("Hash", head.get("hash")),
                ("Recorded", head.get("recorded_at")),
                ("Exported", exported.get("at_local")),
                ("Exported by", exported.get("by")),
            ]
        )
        + "</table>",
        f'<script type="application/json" id="{_DATA_ID}">{_data_block(record)}</script>',
        "</body></html>",
        "",
    ]
    return "\n".join(parts)


def read_record(text: str, source: str) -> SignedRecord:
    """The signed record a file holds (:class:`InvalidInput` when it holds none); check it
    with :func:`record_problems`."""
    found = _DATA.search(text)
    if found is None:
        raise InvalidInput(f"{source}: not a PatrolGate decision record (no record data)")
    try:
        data = json.loads(found.group(1))
    except json.JSONDecodeError as error:
        raise InvalidInput(f"{source}: the record data is not JSON ({error.msg})") from error
    if not isinstance(data, dict) or data.get("format") != RECORD_FORMAT:
        raise InvalidInput(f"{source}: not a decision record (format {RECORD_FORMAT!r})")
    if not all(isinstance(data.get(k), str) for k in ("public_key", "signature")) or not (
        isinstance(data.get("payload"), dict)
    ):
        raise InvalidInput(f"{source}: the record data lacks its payload, key or signature")
    return SignedRecord(data["payload"], data["public_key"], data["signature"])


def record_problems(record: SignedRecord, text: str, public_key: str) -> list[str]:
    """What is wrong with a record file's ``text`` holding ``record`` (empty: it verifies)
    for an instance signing with ``public_key``: the signature, the key, an edited page."""
    problems = []
    if not record.signature_valid():
        problems.append("the signature does not verify: the record data was altered")
    if record.public_key != public_key:
        problems.append(f"signed by another key ({record.public_key}), not this instance's")
    if render_record(record) != text:
        problems.append("the page was altered: it is not the page the signed data gives")
    return problems
