"""Every accuracy figure in README.md and docs/ is quoted from a committed result file.

The docs quote results in blocks::

    <!-- result docs/results/NAME.json TABLE -->
    ...the table, exactly as patrolgate.forecast.results.markdown renders it...
    <!-- end result -->

Each block must equal the rendering of its file; outside the blocks, no line may state a
PAI, hit rate or PEI with a number (such a figure would come from nowhere), and the default
model must be the one the Chicago test's file chooses.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.conftest import REPOSITORY

from patrolgate.forecast import DEFAULT_MODEL
from patrolgate.forecast.results import choose_default, markdown

BLOCK = re.compile(
    r"<!-- result (?P<file>\S+) (?P<table>\w+) -->\n(?P<body>.*?)\n<!-- end result -->", re.S
)
FIGURE = re.compile(r"(PAI|hit rate|PEI\*?|caught)\D{0,30}\d+\.\d+", re.I)
DOCUMENTS = [REPOSITORY / "README.md", *sorted((REPOSITORY / "docs").rglob("*.md"))]


def _blocks() -> list[tuple[Path, str, str, str]]:
    found = []
    for path in DOCUMENTS:
        for match in BLOCK.finditer(path.read_text(encoding="utf-8")):
            found.append((path, match["file"], match["table"], match["body"]))
    return found


def test_every_quoted_table_equals_its_result_file() -> None:
    blocks = _blocks()
    assert {Path(b[1]).name for b in blocks} >= {
        "chicago-2016-2017-daily.json",
        "chicago-2017-shifts.json",
        "london-2019-2021-monthly.json",
        "chicago-speed.json",
    }
    for path, file, table, body in blocks:
        document = json.loads((REPOSITORY / file).read_text(encoding="utf-8"))
        assert body.strip() == markdown(document, table).strip(), f"{path.name}: {file} {table}"


def test_no_accuracy_figure_stands_outside_a_quoted_block() -> None:
    for path in DOCUMENTS:
        text = BLOCK.sub("", path.read_text(encoding="utf-8"))
        for line in text.splitlines():
            assert not FIGURE.search(line), f"{path.name}: an unquoted figure: {line.strip()}"


def test_result_files_hold_their_settings_and_digests() -> None:
    for file in sorted((REPOSITORY / "docs" / "results").glob("*.json")):
        document = json.loads(file.read_text(encoding="utf-8"))
        assert document["command"].startswith("make bench-forecast"), file.name
        if document.get("schema") == "patrolgate.speed/1":
            continue
        settings = document["settings"]
        for key in ("models", "categories", "cell_size", "window", "refit", "coverage", "from"):
            assert key in settings, (file.name, key)
        assert all(len(f["sha256"]) == 64 for f in document["data"]["files"])


def test_the_default_model_is_chosen_by_the_recorded_test() -> None:
    """The best PAI at 5 % among the models that beat counts within the time budget."""
    test = json.loads(
        (REPOSITORY / "docs" / "results" / "chicago-2016-2017-daily.json").read_text()
    )
    assert choose_default(test) == DEFAULT_MODEL
