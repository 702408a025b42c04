"""Signed chain heads: `audit head --format json` publishes one, `audit verify-head FILE` checks
its signature, that this instance signed it, and that the history still holds it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy
from typer.testing import CliRunner

from patrolgate.audit import HeadSigner, SignedHead, read_signed_head
from patrolgate.cli import app
from patrolgate.errors import InvalidInput
from patrolgate.settings import Settings
from patrolgate.store import create_database

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    """Run the CLI: exit code, standard output, standard error."""
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr if result.stderr_bytes else ""


@pytest.fixture
def home(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A database with a few entries on the trail and a fixed clock."""
    monkeypatch.setenv("PATROLGATE_NOW", "2026-06-05T12:00:00+01:00")
    assert invoke("users", "add", "admin", "--role", "admin", "--rank", "staff")[0] == 0
    for name in ("analyst1", "analyst2", "analyst3"):
        code, _, err = invoke(
            "users", "add", name, "--role", "analyst", "--rank", "staff", "--as", "admin"
        )
        assert code == 0, err
    return settings


def test_a_signed_head_verifies_and_then_catches_truncation(home: Settings, tmp_path: Path) -> None:
    """Publish, verify; truncate the history (triggers dropped, head moved back): exit 1."""
    code, out, _ = invoke("audit", "head", "--format", "json")
    assert code == 0
    head = json.loads(out)
    assert head["format"] == "patrolgate-audit-head/1" and head["seq"] == 4
    saved = tmp_path / "head.json"
    saved.write_text(out, encoding="utf-8")
    code, out, _ = invoke("audit", "verify-head", str(saved))
    assert code == 0 and "audit chain OK" in out

    database = create_database(home.resolved_database_url)
    with database.engine.begin() as connection:
        for trigger in ("audit_entries_refuse_delete", "audit_payloads_refuse_delete"):
            connection.exec_driver_sql(f"DROP TRIGGER {trigger}")
        connection.exec_driver_sql("DELETE FROM audit_payloads WHERE seq = 4")
        connection.exec_driver_sql("DELETE FROM audit_entries WHERE seq = 4")
        previous = connection.execute(
            sqlalchemy.text("SELECT hash FROM audit_entries WHERE seq = 3")
        ).scalar()
        connection.execute(
            sqlalchemy.text("UPDATE audit_head SET seq = 3, hash = :h"), {"h": previous}
        )
    database.dispose()
    assert invoke("audit", "verify")[0] == 0  # the truncated chain looks whole by itself
    code, _, err = invoke("audit", "verify-head", str(saved))
    assert code == 1
    assert "truncated" in err and "entries 4 to 4 are gone" in err


def test_an_altered_or_foreign_head_is_refused(
    home: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A head whose numbers were changed fails its signature; another instance's key is named."""
    _, out, _ = invoke("audit", "head", "--format", "json")
    altered = {**json.loads(out), "seq": 3}
    (tmp_path / "altered.json").write_text(json.dumps(altered), encoding="utf-8")
    # The console wraps long messages (the temporary path is long): compare words.
    code, _, err = invoke("audit", "verify-head", str(tmp_path / "altered.json"))
    assert code == 1 and "signature does not verify" in " ".join(err.split())

    foreign = HeadSigner("another instance's secret " * 3).sign(4, "a" * 64, None, "2026-06-05")
    (tmp_path / "foreign.json").write_text(json.dumps(foreign.as_dict()), encoding="utf-8")
    code, _, err = invoke("audit", "verify-head", str(tmp_path / "foreign.json"))
    assert code == 1 and "signed by another key" in " ".join(err.split())

    (tmp_path / "junk.json").write_text("{not json", encoding="utf-8")
    code, _, err = invoke("audit", "verify-head", str(tmp_path / "junk.json"))
    assert code == 2 and "not JSON" in " ".join(err.split())


def test_the_daily_head_is_the_end_of_a_day_and_is_deterministic(home: Settings) -> None:
    """`audit head --day` signs the head as it stood at the end of that local day; asking
    twice gives the very same signed head, and before the first entry it is the genesis."""
    first = json.loads(invoke("audit", "head", "--format", "json", "--day", "2026-06-05")[1])
    again = json.loads(invoke("audit", "head", "--format", "json", "--day", "2026-06-05")[1])
    assert first == again and first["seq"] == 4
    assert first["as_of"] == "2026-06-05T23:00:00Z"  # midnight in London (BST)
    earlier = json.loads(invoke("audit", "head", "--format", "json", "--day", "2026-06-04")[1])
    assert earlier["seq"] == 0 and earlier["hash"] == "0" * 64


def test_signed_heads_from_the_domain() -> None:
    """One secret, one key; a signature covers every field; malformed files are named."""
    signer = HeadSigner("x" * 64)
    head = signer.sign(7, "b" * 64, "2026-06-05T10:00:00Z", "2026-06-05T23:00:00Z")
    assert head.signature_valid()
    assert HeadSigner("x" * 64).public_key == signer.public_key != HeadSigner("y" * 64).public_key
    for change in ({"hash": "c" * 64}, {"as_of": "2026-06-06T23:00:00Z"}, {"public_key": "00"}):
        fields = {**head.as_dict(), **change}
        del fields["published_head"]
        assert not SignedHead(**fields).signature_valid()
    assert read_signed_head(json.dumps(head.as_dict()), "h.json") == head
    with pytest.raises(InvalidInput, match="field 'seq' must be int"):
        read_signed_head(json.dumps({**head.as_dict(), "seq": "7"}), "h.json")
