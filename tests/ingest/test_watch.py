"""The watch folder: files imported as they appear, moved to done/ or rejected/ with reports."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.conftest import SHIPPED_DATA
from typer.testing import CliRunner

from patrolgate.cli import app
from patrolgate.events.police_uk import parse_police_uk
from patrolgate.ingest.watch import WatchFolder
from patrolgate.store import Database
from patrolgate.store.tables import EventRow

CITY = SHIPPED_DATA / "police-uk" / "city-of-london-street"
runner = CliRunner()


def _count(database: Database) -> int:
    with database.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(EventRow)) or 0)


def test_files_go_to_done_or_rejected_with_a_report(
    database: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A good file, a file with a bad row, a damaged file and one still being written."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(CITY / "2017-01-city-of-london-street.csv.gz", inbox)
    lines = gzip.decompress((CITY / "2017-02-city-of-london-street.csv.gz").read_bytes())
    text = lines.decode().splitlines()
    text[4] = text[4].replace(",2017-02,", ",2017/02,")
    (inbox / "2017-02-city-of-london-street.csv").write_text("\n".join(text) + "\n")
    (inbox / "2017-03-city-of-london-street.csv.gz").write_bytes(b"\x1f\x8b\x08broken")
    (inbox / "2017-04-city-of-london-street.csv.part").write_text("Crime ID,Month\n")
    monkeypatch.setenv("PATROLGATE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PATROLGATE_DATABASE_URL", database_url)
    result = runner.invoke(app, ["import", "watch", str(inbox), "--once"])
    assert result.exit_code == 0, result.output
    done = sorted(p.name for p in (inbox / "done").iterdir())
    rejected = sorted(p.name for p in (inbox / "rejected").iterdir())
    assert done == [
        "2017-01-city-of-london-street.csv.gz",
        "2017-01-city-of-london-street.csv.gz.report.json",
        "2017-02-city-of-london-street.csv",
        "2017-02-city-of-london-street.csv.report.json",
    ]
    assert rejected == [
        "2017-03-city-of-london-street.csv.gz",
        "2017-03-city-of-london-street.csv.gz.report.json",
    ]
    assert (inbox / "2017-04-city-of-london-street.csv.part").exists()
    partly = json.loads(
        (inbox / "done" / "2017-02-city-of-london-street.csv.report.json").read_text()
    )
    assert partly["rejected"] == 1
    assert partly["problems"] == [
        "2017-02-city-of-london-street.csv:5: Month: '2017/02' is not YYYY-MM"
    ]
    assert partly["rows_read"] == partly["stored"] + partly["already_stored"] + 1
    broken = json.loads(
        (inbox / "rejected" / "2017-03-city-of-london-street.csv.gz.report.json").read_text()
    )
    assert "damaged gzip file" in broken["error"]
    assert (
        _count(database)
        == partly["stored"]
        + json.loads(
            (inbox / "done" / "2017-01-city-of-london-street.csv.gz.report.json").read_text()
        )["stored"]
    )
    # The same file dropped again: already stored, and moved beside the first under a new name.
    shutil.copy(CITY / "2017-01-city-of-london-street.csv.gz", inbox)
    result = runner.invoke(app, ["import", "watch", str(inbox), "--once"])
    assert result.exit_code == 0
    assert "already stored" in result.output
    assert len(list((inbox / "done").glob("2017-01-city-of-london-street-*.csv.gz"))) == 1


def test_a_file_still_growing_waits(database: Database, tmp_path: Path) -> None:
    """A file is taken only once its size and time stood still over one look."""
    folder = WatchFolder(tmp_path, parse_police_uk, database, settle=0.2)
    path = tmp_path / "2017-05-city-of-london-street.csv.gz"
    shutil.copy(CITY / path.name, path)
    assert folder.ready() == []  # too new
    past = time.time() - 5
    os.utime(path, (past, past))
    assert folder.ready() == []  # first look at its settled shape
    assert folder.ready() == [path]
    outcome = folder.import_file(path)
    assert outcome.imported and outcome.report["stored"] > 0
