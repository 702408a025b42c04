"""Signed decision records: the page is made from the signed data alone, and
`audit verify-record FILE` checks the signature, the key, the page and the chain's head."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from patrolgate.audit import HeadSigner
from patrolgate.audit.signed_record import read_record, record_problems, render_record, sign_record
from patrolgate.cli import app
from patrolgate.errors import InvalidInput
from patrolgate.settings import Settings

runner = CliRunner()


def payload(seq: int = 0, hash_: str = "0" * 64) -> dict[str, object]:
    """A small record: a deployment, its grounds, one decision, the head."""
    return {
        "deployment": {"id": "dep-1", "areas": [{"name": "Brixton Hill", "borough": "Lambeth"}]},
        "grounds": {"authoriser_grounds": "Graded 1A <intelligence> & a threat tonight."},
        "decisions": [
            {"seq": 1, "actor": "sfc.adams", "rank": "chief superintendent", "action": "a"}
        ],
        "audit_head": {"seq": seq, "hash": hash_, "recorded_at": None},
    }


def test_a_signed_record_round_trips_and_shows_its_text_escaped() -> None:
    """Signed, rendered, read back: it verifies; markup in the content is text."""
    signer = HeadSigner("a test secret of enough length")
    record = sign_record(signer, payload())
    text = render_record(record)
    assert "Graded 1A &lt;intelligence&gt; &amp; a threat tonight." in text
    assert "</script>" not in text.split('id="patrolgate-record">', 1)[1][:-30]
    back = read_record(text, "file")
    assert back == record
    assert record_problems(back, text, signer.public_key) == []


def test_an_edited_page_an_edited_datum_and_another_key_are_caught() -> None:
    """Each alteration names what is wrong."""
    signer = HeadSigner("a test secret of enough length")
    text = render_record(sign_record(signer, payload()))
    page = text.replace("Brixton Hill", "Coldharbour", 1)
    assert any(
        "page was altered" in p
        for p in record_problems(read_record(page, "f"), page, signer.public_key)
    )
    data = text.replace('"Brixton Hill"', '"Coldharbour"')
    problems = record_problems(read_record(data, "f"), data, signer.public_key)
    assert any("signature does not verify" in p for p in problems)
    other = HeadSigner("another instance's secret").public_key
    assert any("another key" in p for p in record_problems(read_record(text, "f"), text, other))
    with pytest.raises(InvalidInput, match="not a PatrolGate decision record"):
        read_record("<html></html>", "f")


def test_verify_record_cli_checks_the_chain_head(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record naming the instance's real head verifies (exit 0); a forged head exits 1."""
    monkeypatch.setenv("PATROLGATE_NOW", "2026-06-05T12:00:00+01:00")
    assert (
        runner.invoke(
            app, ["users", "add", "admin", "--role", "admin", "--rank", "staff"]
        ).exit_code
        == 0
    )
    head = json.loads(runner.invoke(app, ["audit", "head", "--format", "json"]).stdout)
    signer = HeadSigner(settings.secret_key)
    good = tmp_path / "record.html"
    good.write_text(
        render_record(sign_record(signer, payload(head["seq"], head["hash"]))), encoding="utf-8"
    )
    result = runner.invoke(app, ["audit", "verify-record", str(good)])
    assert result.exit_code == 0, result.output
    assert "audit chain OK" in result.stdout
    forged = tmp_path / "forged.html"
    forged.write_text(
        render_record(sign_record(signer, payload(head["seq"], "f" * 64))), encoding="utf-8"
    )
    assert runner.invoke(app, ["audit", "verify-record", str(forged)]).exit_code == 1
    tampered = tmp_path / "tampered.html"
    tampered.write_text(
        good.read_text(encoding="utf-8").replace("Brixton Hill", "Peckham", 1), encoding="utf-8"
    )
    assert runner.invoke(app, ["audit", "verify-record", str(tampered)]).exit_code == 1
