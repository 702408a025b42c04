"""Parsed events in columns, a chunk at a time, ready for area assignment and storage."""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from patrolgate.events.taxonomy import CATEGORIES, Category

#: Person columns some sources carry; importers never read them, tables never hold them.
PERSON_COLUMNS = frozenset(
    {
        "age",
        "age group",
        "age range",
        "sex",
        "gender",
        "ethnicity",
        "self-defined ethnicity",
        "officer-defined ethnicity",
        "officer observed ethnicity",
        "date of birth",
    }
)

#: Rows handled together: large enough for vectorised work, small enough for memory.
CHUNK_ROWS = 100_000


@dataclass(frozen=True)
class RowError:
    """One rejected row: where it is and what is wrong with which field."""

    path: Path
    row: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.row}: {self.field}: {self.reason}"


class LocationPrecision:
    """How precisely an event is located."""

    POINT = "point"
    BOROUGH = "borough"
    NONE = "none"


class ContentIds:
    """Ids for rows without a source id: a hash of the content and its occurrence number.

    Identical rows are real, separate records (police.uk snaps crimes to shared points),
    so the occurrence number keeps them apart, while a re-import of the same file yields
    the same ids and stores nothing twice.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self._seen: Counter[str] = Counter()

    def __call__(self, content: str) -> str:
        occurrence = self._seen[content]
        self._seen[content] = occurrence + 1
        digest = hashlib.sha256(f"{self.source}\x1f{content}\x1f{occurrence}".encode()).hexdigest()
        return f"h{digest[:40]}"


@dataclass
class EventChunk:
    """Accepted events of one chunk, as columns. Times are UTC epoch seconds."""

    source: str
    ids: list[str]
    category: list[str]
    source_category: list[str]
    t_start: NDArray[np.int64]
    t_end: NDArray[np.int64]
    local_year: NDArray[np.int64]
    local_month: NDArray[np.int64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    borough_code: list[str | None]
    lsoa_code: list[str | None]

    def __len__(self) -> int:
        return len(self.ids)

    def victim_reported(self) -> list[bool]:
        """The victim-reported flag of each event, from its category."""
        flags = {c: CATEGORIES[Category(c)].victim_reported for c in set(self.category)}
        return [flags[c] for c in self.category]


def take(values: Sequence[str], keep: NDArray[np.bool_]) -> list[str]:
    """The entries of ``values`` where ``keep`` is true."""
    return [v for v, k in zip(values, keep.tolist(), strict=True) if k]


@dataclass
class ParsedSource:
    """A file being parsed: chunks of events come out; rejected rows collect as they go."""

    importer: str
    path: Path
    sha256: str
    chunks: Iterator[EventChunk]
    rejected: list[RowError] = field(default_factory=list)
    rows_read: Callable[[], int] = lambda: 0


def parse_floats(
    path: Path,
    first_row: int,
    name: str,
    texts: Sequence[str],
    low: float,
    high: float,
) -> tuple[NDArray[np.float64], dict[int, RowError]]:
    """Parse a column of numbers (empty means unknown, NaN); bad values become row errors.

    ``first_row`` is the file row of ``texts[0]``; errors are keyed by position in ``texts``.
    """
    errors: dict[int, RowError] = {}
    try:
        values = np.array([float(t) if t else math.nan for t in texts], dtype=float)
    except ValueError:
        values = np.full(len(texts), math.nan)
        for i, text in enumerate(texts):
            if not text.strip():
                continue
            try:
                values[i] = float(text)
            except ValueError:
                errors[i] = RowError(path, first_row + i, name, f"{text!r} is not a number")
    finite = np.isfinite(values)
    bad = np.flatnonzero(~np.isnan(values) & (~finite | (values < low) | (values > high)))
    for i in bad.tolist():
        errors.setdefault(
            i, RowError(path, first_row + i, name, f"{values[i]} is outside {low:g}..{high:g}")
        )
    return values, errors
