"""Parsed events in columns, a chunk at a time, ready for area assignment and storage."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from patrolgate.events.ranges import parse_number
from patrolgate.events.taxonomy import CATEGORIES, Category

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
    #: The file row each event came from (several events share a row that counts several).
    rows: NDArray[np.int64]
    #: The kind of place of each event (``place_types.PLACE_TYPES``, None where the row has
    #: none); None for the whole chunk when the source has no such field.
    place_type: list[str | None] | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def subset(self, keep: NDArray[np.bool_]) -> EventChunk:
        """The events where ``keep`` is true."""
        return EventChunk(
            source=self.source,
            ids=take(self.ids, keep),
            category=take(self.category, keep),
            source_category=take(self.source_category, keep),
            t_start=self.t_start[keep],
            t_end=self.t_end[keep],
            local_year=self.local_year[keep],
            local_month=self.local_month[keep],
            lon=self.lon[keep],
            lat=self.lat[keep],
            borough_code=[v for v, k in zip(self.borough_code, keep.tolist(), strict=True) if k],
            lsoa_code=[v for v, k in zip(self.lsoa_code, keep.tolist(), strict=True) if k],
            rows=self.rows[keep],
            place_type=None if self.place_type is None else take_optional(self.place_type, keep),
        )

    def victim_reported(self) -> list[bool]:
        """The victim-reported flag of each event, from its category."""
        flags = {c: CATEGORIES[Category(c)].victim_reported for c in set(self.category)}
        return [flags[c] for c in self.category]


def take(values: Sequence[str], keep: NDArray[np.bool_]) -> list[str]:
    """The entries of ``values`` where ``keep`` is true."""
    return [v for v, k in zip(values, keep.tolist(), strict=True) if k]


def take_optional(values: Sequence[str | None], keep: NDArray[np.bool_]) -> list[str | None]:
    """The entries of ``values`` (some None) where ``keep`` is true."""
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
    #: The source columns this importer keeps (the allow-list); nothing else is stored.
    kept_fields: tuple[str, ...] = ()
    #: Events beyond one per row (a homicide row counting three victims adds two).
    extra_events: int = 0
    #: Blank lines skipped (not rows: no account of them is needed).
    blank_rows: Callable[[], int] = lambda: 0


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
    values = np.full(len(texts), math.nan)
    for i, text in enumerate(texts):
        if not text.strip():
            continue
        value = parse_number(text)
        if value is None:
            errors[i] = RowError(path, first_row + i, name, f"{text!r} is not a number")
        else:
            values[i] = value
    finite = np.isfinite(values)
    bad = np.flatnonzero(~np.isnan(values) & (~finite | (values < low) | (values > high)))
    for i in bad.tolist():
        errors.setdefault(
            i, RowError(path, first_row + i, name, f"{values[i]} is outside {low:g}..{high:g}")
        )
    return values, errors
