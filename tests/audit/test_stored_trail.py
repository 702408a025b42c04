"""The stored trail cannot be quietly emptied: redactions need a retention entry of the same
transaction that lists them (triggers), and verify checks every redaction against its claim."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy
from tests.workflow.scenario import Clock, add_intel, ready_deployment

from patrolgate.audit import Tampering
from patrolgate.store import Database
from patrolgate.workflow import Workflow, audit_trail

#: Text only these tests write, to look for afterwards in every stored byte of the trail.
RATIONALE = "Unmistakable rationale summary 4471."
NOTES = "Unmistakable consultation note 4472."
EXTENSION = "Unmistakable extension reason 4473."
ENDING = "Unmistakable stand-down reason 4474."


def execute(database: Database, sql: str, **params: Any) -> None:
    """One statement in its own transaction."""
    with database.engine.begin() as connection:
        connection.execute(sqlalchemy.text(sql), params)


def scalar(database: Database, sql: str, **params: Any) -> Any:
    """One value."""
    with database.engine.connect() as connection:
        return connection.execute(sqlalchemy.text(sql), params).scalar()


def drop_payload_trigger(database: Database) -> None:
    """What an administrator bent on erasing content would do first."""
    if database.is_sqlite:
        execute(database, "DROP TRIGGER audit_payloads_redact_only")
    else:
        execute(database, "ALTER TABLE audit_payloads DISABLE TRIGGER USER")


def drop_all_triggers(database: Database) -> None:
    """Every trigger of the trail."""
    if database.is_sqlite:
        for name in (
            "audit_entries_refuse_update",
            "audit_entries_refuse_delete",
            "audit_payloads_refuse_delete",
            "audit_payloads_redact_only",
        ):
            execute(database, f"DROP TRIGGER {name}")
    else:
        execute(database, "ALTER TABLE audit_entries DISABLE TRIGGER USER")
        execute(database, "ALTER TABLE audit_payloads DISABLE TRIGGER USER")


@pytest.fixture
def trail(workflow: Workflow, clock: Clock) -> tuple[Workflow, str, int, int]:
    """A deployment on the record, then a later retention entry (an expired summary's).

    Returns the workflow, the deployment, the seq of its proposal and the retention entry.
    """
    deployment = ready_deployment(workflow, clock)
    workflow.authorise("sfc.adams", deployment)  # its narrative is kept six years
    proposed = next(
        e["seq"]
        for e in workflow.export_audit()
        if e["action"] == "deployment.proposed" and e["deployment_id"] == deployment
    )
    add_intel(workflow, clock, hours=1)
    clock.advance(days=366)
    workflow.apply_retention("admin")
    retention = max(
        e["seq"] for e in workflow.export_audit() if e["action"] == "retention.redacted"
    )
    assert retention > proposed
    assert (
        scalar(
            workflow.database, "SELECT redacted_by FROM audit_payloads WHERE seq = :s", s=proposed
        )
        is None
    )
    assert workflow.verify_audit().ok
    return workflow, deployment, proposed, retention


def test_the_issue_attack_is_refused_by_the_trigger(
    trail: tuple[Workflow, str, int, int], database: Database
) -> None:
    """``SET body = NULL, redacted_by = <a later retention entry>`` is refused, even when that
    retention entry is the chain's head."""
    workflow, _, proposed, retention = trail
    assert scalar(database, "SELECT seq FROM audit_head") == retention
    for statement in (
        "UPDATE audit_payloads SET body = NULL, redacted_by = :by WHERE seq = :seq",
        "UPDATE audit_payloads SET body = NULL, reason = NULL, redacted_by = :by WHERE seq = :seq",
    ):
        with pytest.raises(sqlalchemy.exc.DBAPIError, match="recorded redaction"):
            execute(database, statement, by=retention, seq=proposed)
    assert workflow.verify_audit().ok


def test_a_retention_entry_cannot_be_emptied(
    trail: tuple[Workflow, str, int, int], database: Database
) -> None:
    """Not even by pointing it at itself or at another retention entry."""
    _, _, _, retention = trail
    with pytest.raises(sqlalchemy.exc.DBAPIError, match="recorded redaction"):
        execute(
            database,
            "UPDATE audit_payloads SET body = NULL, redacted_by = :by WHERE seq = :by",
            by=retention,
        )


def test_the_attack_forced_past_the_trigger_is_named_by_verify(
    trail: tuple[Workflow, str, int, int], database: Database
) -> None:
    """With the trigger dropped, the erased payload is reported: the retention entry it points
    at does not list it."""
    workflow, _, proposed, retention = trail
    drop_payload_trigger(database)
    execute(
        database,
        "UPDATE audit_payloads SET body = NULL, reason = NULL, redacted_by = :by WHERE seq = :seq",
        by=retention,
        seq=proposed,
    )
    result = workflow.verify_audit()
    assert (result.ok, result.problem, result.first_bad_seq) == (
        False,
        Tampering.ERASED,
        proposed,
    )
    assert f"retention entry {retention} does not list it" in result.message


def test_an_erased_reason_is_named(
    trail: tuple[Workflow, str, int, int], database: Database
) -> None:
    """The proposal's reason (its rationale summary) deleted by hand: verify says so."""
    workflow, _, proposed, _ = trail
    drop_payload_trigger(database)
    execute(database, "UPDATE audit_payloads SET reason = NULL WHERE seq = :seq", seq=proposed)
    result = workflow.verify_audit()
    assert (result.problem, result.first_bad_seq) == (Tampering.DELETED, proposed)
    assert "reason" in result.message


def test_retention_redacts_free_text_from_every_stored_byte(
    workflow: Workflow, clock: Clock, database: Database
) -> None:
    """Rationale, consultation notes, extension and stand-down reasons: gone from the trail
    after retention, on SQLite and PostgreSQL, and the chain still verifies."""
    from tests.workflow.scenario import rationale

    intel = add_intel(workflow, clock)
    start = clock.now + timedelta(minutes=30)
    deployment = workflow.propose(
        "proposer1",
        profile="armed-patrol",
        start=start,
        end=start + timedelta(hours=6),
        trigger="imminent-intelligence",
        rationale=rationale(summary=RATIONALE),
        area_codes=["E05000416"],
        intelligence_ids=[intel],
    )
    from tests.workflow.scenario import impact_assessment

    workflow.consult("bc.lambeth", deployment, outcome="support", notes=NOTES)
    workflow.assess_impact("sfc.adams", deployment, impact_assessment())
    workflow.authorise("sfc.adams", deployment)
    clock.advance(hours=1)
    shown = workflow.show_deployment("sfc.adams", deployment)
    from datetime import datetime

    end = datetime.fromisoformat(shown["end"])
    workflow.extend("sfc.adams", deployment, until=end + timedelta(hours=2), reason=EXTENSION)
    workflow.complete("sfc.adams", deployment, reason=ENDING)

    def stored_text() -> str:
        with database.engine.connect() as connection:
            rows = [
                *connection.execute(sqlalchemy.text("SELECT * FROM audit_entries")),
                *connection.execute(sqlalchemy.text("SELECT * FROM audit_payloads")),
            ]
        return json.dumps([list(map(str, r)) for r in rows])

    before = stored_text()
    assert all(text in before for text in (RATIONALE, NOTES, EXTENSION, ENDING))
    clock.advance(days=2200)
    report = workflow.apply_retention("admin")
    assert deployment in report.deployments
    after = stored_text()
    assert [text for text in (RATIONALE, NOTES, EXTENSION, ENDING) if text in after] == []
    assert workflow.verify_audit().ok
    claim = next(
        e
        for e in workflow.export_audit()
        if e["action"] == "retention.redacted" and e["deployment_id"] == deployment
    )
    assert claim["payload"]["redacted_entries"] and claim["payload"]["redacted_digest"]


def test_an_export_withholds_restricted_text_and_is_recorded(
    workflow: Workflow, clock: Clock
) -> None:
    """Oversight and administrators may export, but not read handling code C text; each
    export is on the record before its first line."""
    restricted = add_intel(workflow, clock, handling="C")
    shared = add_intel(workflow, clock, handling="P")
    for reader in ("oversight1", "admin"):
        exported = audit_trail.export_for(workflow, reader)
        records = list(exported.records())
        by_subject = {r["subject"]: r for r in records if r["action"] == "intelligence.added"}
        assert by_subject[f"intelligence:{restricted}"]["payload"]["text"] == audit_trail.WITHHELD
        assert "Retaliation" in by_subject[f"intelligence:{shared}"]["payload"]["text"]
        assert all(
            "Retaliation" not in json.dumps(r)
            for r in records
            if r["subject"] == f"intelligence:{restricted}"
        )
        recorded = list(workflow.export_audit())[-1]
        assert (recorded["action"], recorded["actor"]) == ("audit.exported", reader)
        assert recorded["payload"]["through_seq"] == records[-1]["seq"]
    from patrolgate.workflow import NotAuthorised

    with pytest.raises(NotAuthorised):
        audit_trail.export_for(workflow, "sfc.adams")
    assert list(workflow.export_audit())[-1]["action"] == "refused"


def test_truncation_is_reported_as_truncation(
    workflow: Workflow, clock: Clock, database: Database
) -> None:
    """The last entries deleted and the recorded head moved back: against a head published
    earlier, verify says the chain was truncated, not edited."""
    ready_deployment(workflow, clock)
    published = workflow.chain_head()
    head = (published["seq"], published["hash"])
    drop_all_triggers(database)
    keep = head[0] - 3
    execute(database, "DELETE FROM audit_payloads WHERE seq > :keep", keep=keep)
    execute(database, "DELETE FROM audit_entries WHERE seq > :keep", keep=keep)
    last = scalar(database, "SELECT hash FROM audit_entries WHERE seq = :keep", keep=keep)
    execute(database, "UPDATE audit_head SET seq = :keep, hash = :hash", keep=keep, hash=last)
    assert workflow.verify_audit().ok  # by itself, a truncated chain looks whole
    result = workflow.verify_audit(head)
    assert (result.ok, result.problem, result.first_bad_seq) == (
        False,
        Tampering.TRUNCATED,
        keep + 1,
    )
    assert f"entries {keep + 1} to {head[0]} are gone" in result.message


def test_postgresql_refuses_a_claim_recorded_in_an_earlier_transaction(
    trail: tuple[Workflow, str, int, int], database: Database, clock: Clock
) -> None:
    """A retention entry appended in one transaction cannot redact in the next (PostgreSQL
    knows transactions; SQLite, which does not, asks that the claim be the chain's head)."""
    if database.is_sqlite:
        pytest.skip("SQLite has no transaction ids; its trigger checks the chain's head")
    from patrolgate.audit import REDACTION_ACTION, RedactionTarget, redaction_claim
    from patrolgate.store.audit_repository import append_entry, redact_payloads

    _, _, proposed, _ = trail
    with database.transaction() as session:
        target = RedactionTarget(proposed, "0" * 64, None)
        claim = append_entry(
            session,
            recorded_at=clock.now,
            actor=None,
            action=REDACTION_ACTION,
            payload=redaction_claim("forged", [target]),
        )
    with (
        pytest.raises(sqlalchemy.exc.DBAPIError, match="recorded redaction"),
        database.transaction() as session,
    ):
        redact_payloads(session, [target], claim)
