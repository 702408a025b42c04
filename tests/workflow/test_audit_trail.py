"""The stored audit trail: triggers refuse changes; tampering by an admin is named by verify."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy
from tests.workflow.scenario import Clock, add_intel, ready_deployment

from patrolgate.audit import EntryHeader, Tampering, payload_digest
from patrolgate.store import Database
from patrolgate.workflow import Workflow

SQLITE_TRIGGERS = (
    "audit_entries_refuse_update",
    "audit_entries_refuse_delete",
    "audit_payloads_refuse_delete",
    "audit_payloads_redact_only",
)


def execute(database: Database, sql: str, **params: Any) -> None:
    """Run one statement in its own transaction."""
    with database.engine.begin() as connection:
        connection.execute(sqlalchemy.text(sql), params)


@pytest.fixture
def trail(workflow: Workflow, clock: Clock) -> Workflow:
    """A workflow with a few dozen audit entries."""
    deployment = ready_deployment(workflow, clock)
    workflow.authorise(
        "sfc.adams",
        deployment,
        grounds="Reliable intelligence of imminent serious violence in this ward.",
    )
    assert workflow.verify_audit().ok
    return workflow


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_entries SET reason = 'nothing happened' WHERE seq = 3",
        "DELETE FROM audit_entries WHERE seq = 3",
        "DELETE FROM audit_payloads WHERE seq = 3",
        "UPDATE audit_payloads SET body = '{}' WHERE seq = 3",
    ],
)
def test_triggers_refuse_changes(trail: Workflow, database: Database, statement: str) -> None:
    """UPDATE and DELETE are refused by the database itself, on SQLite and PostgreSQL."""
    with pytest.raises(sqlalchemy.exc.DBAPIError, match=r"append-only|recorded redaction"):
        execute(database, statement)
    assert trail.verify_audit().ok


def test_truncate_refused_on_postgresql(trail: Workflow, database: Database) -> None:
    """TRUNCATE is refused too (PostgreSQL has it; SQLite does not)."""
    if database.is_sqlite:
        pytest.skip("SQLite has no TRUNCATE")
    with pytest.raises(sqlalchemy.exc.DBAPIError, match="append-only"):
        execute(database, "TRUNCATE audit_entries CASCADE")


def drop_triggers(database: Database) -> None:
    """What an administrator bent on tampering would do first."""
    if database.is_sqlite:
        for name in SQLITE_TRIGGERS:
            execute(database, f"DROP TRIGGER {name}")
    else:
        execute(database, "ALTER TABLE audit_entries DISABLE TRIGGER USER")
        execute(database, "ALTER TABLE audit_payloads DISABLE TRIGGER USER")


def rewrite(database: Database, change: Any, *, renumber: bool = True) -> None:
    """Read every entry, let ``change`` edit the list, write it back (renumbered)."""
    with database.engine.begin() as connection:
        entries = [
            dict(r._mapping)
            for r in connection.execute(sqlalchemy.text("SELECT * FROM audit_entries ORDER BY seq"))
        ]
        payloads = {
            r.seq: dict(r._mapping)
            for r in connection.execute(sqlalchemy.text("SELECT * FROM audit_payloads"))
        }
        for entry in entries:
            entry["payload"] = payloads[entry["seq"]]
        entries = change(entries)
        connection.execute(sqlalchemy.text("DELETE FROM audit_payloads"))
        connection.execute(sqlalchemy.text("DELETE FROM audit_entries"))
        for position, entry in enumerate(entries, start=1):
            payload = entry.pop("payload")
            seq = position if renumber else entry["seq"]
            entry["seq"] = seq
            columns = ", ".join(entry)
            values = ", ".join(f":{k}" for k in entry)
            connection.execute(
                sqlalchemy.text(f"INSERT INTO audit_entries ({columns}) VALUES ({values})"), entry
            )
            connection.execute(
                sqlalchemy.text(
                    "INSERT INTO audit_payloads (seq, body, redacted_by) VALUES (:seq, :body, :by)"
                ),
                {"seq": seq, "body": payload["body"], "by": payload["redacted_by"]},
            )


def forged(after: dict[str, Any]) -> dict[str, Any]:
    """An entry forged with a correct hash, chained to ``after``."""
    body = {"before": {"state": "submitted"}, "after": {"state": "authorised"}}
    header = EntryHeader(
        _aware(after["recorded_at"]),
        "sfc.adams",
        "deployment.authorised",
        after["deployment_id"],
        None,
        None,
        payload_digest(body),
        after["hash"],
    )
    import json

    return {
        "recorded_at": after["recorded_at"],
        "actor": header.actor,
        "action": header.action,
        "deployment_id": header.deployment_id,
        "subject": None,
        "reason": None,
        "payload_digest": header.payload_digest,
        "previous_hash": header.previous_hash,
        "hash": header.hash(),
        "payload": {
            "body": json.dumps(body, sort_keys=True, separators=(",", ":")),
            "redacted_by": None,
        },
    }


@pytest.mark.parametrize(
    ("tamper", "problem", "seq"),
    [
        ("edit", Tampering.EDITED, 5),
        ("delete", Tampering.DELETED, 5),
        ("insert", Tampering.INSERTED, 6),
        ("reorder", Tampering.REORDERED, 5),
    ],
)
def test_tampering_is_named(
    trail: Workflow, database: Database, tamper: str, problem: Tampering, seq: int
) -> None:
    """Edit, delete, insert and reorder: verify names the first bad entry."""
    drop_triggers(database)

    def change(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if tamper == "edit":
            entries[4]["reason"] = "nothing to see"
        elif tamper == "delete":
            del entries[4]
        elif tamper == "insert":
            entries.insert(5, forged(entries[4]))
        else:
            entries[4], entries[5] = entries[5], entries[4]
        return entries

    rewrite(database, change, renumber=tamper != "delete")
    result = trail.verify_audit()
    assert (result.ok, result.problem, result.first_bad_seq) == (False, problem, seq), (
        result.message
    )


def _aware(value: Any) -> Any:
    from datetime import UTC, datetime

    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def test_conditional_intelligence_reveals_are_audited(trail: Workflow, clock: Clock) -> None:
    """Reading never writes (a code C summary is shown without its text); revealing a code C
    summary writes an entry, revealing a P summary does not; a role not allowed is refused."""
    secret = add_intel(trail, clock, handling="C")
    public = add_intel(trail, clock, handling="P")
    before = trail.chain_head()["seq"]
    assert "text" in trail.read_intelligence("oversight1", public)
    shown = trail.read_intelligence("oversight1", secret)
    assert shown["restricted"] is True and "text" not in shown
    trail.reveal_intelligence("sfc.adams", public)
    assert trail.chain_head()["seq"] == before  # reads and a P reveal write nothing
    assert "Retaliation" in trail.reveal_intelligence("sfc.adams", secret)["text"]
    entries = list(trail.export_audit())
    assert entries[-1]["action"] == "intelligence.read" and entries[-1]["actor"] == "sfc.adams"
    from patrolgate.workflow import NotAuthorised

    with pytest.raises(NotAuthorised):
        trail.reveal_intelligence("oversight1", secret)
    assert list(trail.export_audit())[-1]["action"] == "refused"
