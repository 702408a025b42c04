"""A watch folder: files dropped into it are imported as they appear.

A file is taken once it has stopped growing (its size and modification time unchanged over
one look, and older than ``SETTLE_SECONDS``), so a copy still in progress is never read half
way. Each file is imported in one transaction, as ``patrolgate import`` would, then moved to
``done/`` (imported, perhaps with some rows rejected) or ``rejected/`` (nothing stored: a
file-level error, or ``--strict`` and a bad row), with a report beside it
(``NAME.report.json``: the row accounting and every row message). Names starting with a dot
or ending in ``.part``/``.tmp`` are left alone, so a sender can write under such a name and
rename when done.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from patrolgate.errors import PatrolGateError
from patrolgate.events.records import ParsedSource
from patrolgate.ingest.area_assignment import AreaAssigner
from patrolgate.ingest.event_import import ImportReport, store_parsed_file
from patrolgate.store.database import Database

DONE = "done"
REJECTED = "rejected"
#: Seconds a file must have stood unchanged before it is imported.
SETTLE_SECONDS = 2.0
_SUFFIXES = (".csv", ".csv.gz", ".txt", ".txt.gz")
_PARTIAL = (".part", ".tmp", ".partial", ".crdownload")


@dataclass(frozen=True)
class Outcome:
    """What became of one file."""

    file: Path
    moved_to: Path
    report: dict[str, Any]

    @property
    def imported(self) -> bool:
        """Whether it went to ``done/``."""
        return self.moved_to.parent.name == DONE


@dataclass
class WatchFolder:
    """One folder being watched, with the sizes seen at the last look."""

    folder: Path
    parse: Callable[[Path], ParsedSource]
    database: Database
    strict: bool = False
    settle: float = SETTLE_SECONDS
    _seen: dict[Path, tuple[int, float]] = field(default_factory=dict)
    _assigner: AreaAssigner | None = None

    def __post_init__(self) -> None:
        for name in (DONE, REJECTED):
            (self.folder / name).mkdir(parents=True, exist_ok=True)

    def ready(self) -> list[Path]:
        """Files that have stopped changing since the last look, oldest first."""
        now = time.time()
        ready: list[Path] = []
        current: dict[Path, tuple[int, float]] = {}
        for path in sorted(self._candidates(), key=lambda p: p.stat().st_mtime):
            stat = path.stat()
            shape = (stat.st_size, stat.st_mtime)
            current[path] = shape
            settled = now - stat.st_mtime >= self.settle
            if settled and (self.settle == 0 or self._seen.get(path) == shape):
                ready.append(path)
        self._seen = current
        return ready

    def _candidates(self) -> Iterator[Path]:
        for path in self.folder.iterdir():
            name = path.name.lower()
            if not path.is_file() or name.startswith(".") or name.endswith(_PARTIAL):
                continue
            if name.endswith(_SUFFIXES) or "." not in name:
                yield path

    def import_ready(self) -> list[Outcome]:
        """Import every settled file, one transaction each; move each with its report."""
        return [self.import_file(path) for path in self.ready()]

    def import_file(self, path: Path) -> Outcome:
        """Import one file and move it to ``done/`` or ``rejected/`` with its report."""
        started = datetime.now(UTC)
        try:
            if self._assigner is None:
                self._assigner = AreaAssigner(self.database)
            report = store_parsed_file(
                self.database, self.parse(path), self._assigner, strict=self.strict
            )
        except PatrolGateError as error:
            return self._move(path, REJECTED, {"file": path.name, "error": str(error)}, started)
        except Exception as error:  # a watch folder outlives any one file: report, go on
            failure = f"could not be imported ({type(error).__name__}: {error})"
            return self._move(path, REJECTED, {"file": path.name, "error": failure}, started)
        everything_rejected = report.rows_read > 0 and len(report.rejected) == report.rows_read
        return self._move(
            path, REJECTED if everything_rejected else DONE, _details(report), started
        )

    def _move(self, path: Path, where: str, report: dict[str, Any], started: datetime) -> Outcome:
        target = _free_name(self.folder / where / path.name)
        shutil.move(path, target)
        report = {
            **report,
            "moved_to": f"{where}/{target.name}",
            "started_at": started.isoformat(),
            "finished_at": datetime.now(UTC).isoformat(),
        }
        target.with_name(target.name + ".report.json").write_text(
            json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        self._seen.pop(path, None)
        return Outcome(file=path, moved_to=target, report=report)


def _details(report: ImportReport) -> dict[str, Any]:
    return {
        **report.as_dict(),
        "file": report.path.name,
        "problems": [
            str(e).replace(f"{report.path}:", f"{report.path.name}:")
            for e in sorted([*report.rejected, *report.conflicts], key=lambda e: e.row)
        ],
    }


def _free_name(target: Path) -> Path:
    """``target``, or with a time stamp before its suffixes when that name is taken."""
    if not target.exists():
        return target
    stem, dot, rest = target.name.partition(".")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    return target.with_name(f"{stem}-{stamp}{dot}{rest}")
