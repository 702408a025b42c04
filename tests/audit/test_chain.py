"""Hash chain: canonical form; verify names the first edited, deleted, inserted or moved entry."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from patrolgate.audit import (
    GENESIS,
    EntryHeader,
    StoredEntry,
    Tampering,
    canonical,
    payload_digest,
    verify_chain,
)

T0 = datetime(2026, 6, 5, 12, 0, tzinfo=UTC)


def chain(n: int = 6) -> list[StoredEntry]:
    """``n`` valid entries."""
    entries: list[StoredEntry] = []
    previous = GENESIS
    for i in range(1, n + 1):
        payload = {"n": i, "state": "submitted"}
        header = EntryHeader(
            T0 + timedelta(minutes=i),
            "u",
            f"a{i}",
            "dep-1",
            None,
            None,
            payload_digest(payload),
            previous,
        )
        entry = StoredEntry(i, header, header.hash(), payload)
        entries.append(entry)
        previous = entry.hash
    return entries


def renumber(entries: list[StoredEntry]) -> list[StoredEntry]:
    """Positions 1..n again, as a tamperer hiding a gap would."""
    return [replace(e, seq=i) for i, e in enumerate(entries, start=1)]


def test_canonical_form_is_stable() -> None:
    """Key order and spacing do not change the bytes; datetimes are UTC."""
    assert canonical({"b": 1, "a": T0}) == b'{"a":"2026-06-05T12:00:00Z","b":1}'
    assert canonical({"a": 1.0}) == canonical({"a": 1})


def test_intact_chain_verifies() -> None:
    """An untouched chain verifies against its head."""
    entries = chain()
    result = verify_chain(entries, (6, entries[-1].hash))
    assert result.ok and result.entries == 6 and result.head_hash == entries[-1].hash


def test_edit_named() -> None:
    """Editing entry 3's header names entry 3."""
    entries = chain()
    entries[2] = replace(entries[2], header=replace(entries[2].header, reason="changed"))
    result = verify_chain(entries)
    assert (result.first_bad_seq, result.problem) == (3, Tampering.EDITED)


def test_payload_edit_named() -> None:
    """Editing entry 4's payload names entry 4."""
    entries = chain()
    entries[3] = replace(entries[3], payload={"n": 4, "state": "authorised"})
    assert verify_chain(entries).first_bad_seq == 4


def test_edit_with_recomputed_hash_named() -> None:
    """Recomputing the edited entry's hash still breaks the next link: entry 3 is named."""
    entries = chain()
    header = replace(entries[2].header, reason="changed")
    entries[2] = replace(entries[2], header=header, hash=header.hash())
    result = verify_chain(entries)
    assert (result.first_bad_seq, result.problem) == (3, Tampering.EDITED)


def test_delete_named() -> None:
    """Deleting entry 4 names entry 4, with or without renumbering the rest."""
    entries = chain()
    del entries[3]
    result = verify_chain(entries)
    assert (result.first_bad_seq, result.problem) == (4, Tampering.DELETED)


def test_insert_named() -> None:
    """A forged entry, correctly chained to entry 3, is named as inserted."""
    entries = chain()
    payload = {"forged": True}
    header = EntryHeader(
        T0, "x", "forged", None, None, None, payload_digest(payload), entries[2].hash
    )
    forged = StoredEntry(0, header, header.hash(), payload)
    tampered = renumber([*entries[:3], forged, *entries[3:]])
    result = verify_chain(tampered)
    assert (result.first_bad_seq, result.problem) == (4, Tampering.INSERTED)


def test_lazy_insert_named() -> None:
    """A forged entry not chained at all is also named as inserted."""
    entries = chain()
    payload = {"forged": True}
    header = EntryHeader(T0, "x", "forged", None, None, None, payload_digest(payload), "f" * 64)
    tampered = renumber(
        [*entries[:2], StoredEntry(0, header, header.hash(), payload), *entries[2:]]
    )
    result = verify_chain(tampered)
    assert (result.first_bad_seq, result.problem) == (3, Tampering.INSERTED)


def test_reorder_named() -> None:
    """Swapping entries 3 and 4 names position 3 as out of order."""
    entries = chain()
    tampered = renumber([*entries[:2], entries[3], entries[2], *entries[4:]])
    result = verify_chain(tampered)
    assert (result.first_bad_seq, result.problem) == (3, Tampering.REORDERED)


def test_truncation_caught_by_head() -> None:
    """Dropping the last entries is caught by the recorded head, and called truncation."""
    entries = chain()
    result = verify_chain(entries[:4], (6, entries[-1].hash))
    assert (result.first_bad_seq, result.problem) == (5, Tampering.TRUNCATED)
    assert "entries 5 to 6 are gone" in result.message


def test_rewritten_chain_caught_by_published_head() -> None:
    """A chain recomputed from entry 2 on verifies by itself but not against a published head."""
    entries = chain()
    published = (4, entries[3].hash)
    rebuilt: list[StoredEntry] = [entries[0]]
    for e in entries[1:]:
        header = replace(e.header, reason="rewritten", previous_hash=rebuilt[-1].hash)
        rebuilt.append(replace(e, header=header, hash=header.hash()))
    assert verify_chain(rebuilt).ok
    assert not verify_chain(rebuilt, published=published).ok


@pytest.mark.parametrize("redactor_action", ["retention.redacted", "deployment.authorised"])
def test_redaction_needs_a_recorded_redaction(redactor_action: str) -> None:
    """A payload may be missing only when a later retention entry redacted it."""
    entries = chain()
    payload = {"record": "x", "redacted_entries": [2]}
    last = entries[-1]
    header = EntryHeader(
        T0, None, redactor_action, None, None, None, payload_digest(payload), last.hash
    )
    entries.append(StoredEntry(7, header, header.hash(), payload))
    entries[1] = replace(entries[1], payload=None, redacted_by=7)
    result = verify_chain(entries)
    assert result.ok is (redactor_action == "retention.redacted")
