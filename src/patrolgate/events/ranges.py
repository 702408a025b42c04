"""What a source row may hold: dates from 1900 to one year ahead, counts within reason,
numbers written as numbers. Each importer checks its rows against these, row by row, and
names the row and field of anything outside them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

#: The earliest event time any importer accepts.
EARLIEST_YEAR = 1900
#: How far ahead of now an event may be dated (a clock set wrong, a typo in the year).
AHEAD = timedelta(days=366)
#: The most victims one homicide row may count (the MPS file always says 1).
MAX_VICTIMS_PER_ROW = 50

#: A decimal number as people and systems write it: no '_' separators, no hex, no 'nan'.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?")


class TimeRange:
    """The accepted event times, fixed when an import starts."""

    def __init__(self, now: datetime | None = None) -> None:
        self.start = datetime(EARLIEST_YEAR, 1, 1, tzinfo=UTC)
        self.end = (now or datetime.now(UTC)) + AHEAD
        self.start_epoch = int(self.start.timestamp())
        self.end_epoch = int(self.end.timestamp())

    def year_ok(self, year: int) -> bool:
        """A year that may hold accepted times (checked before any time arithmetic, which
        would overflow near year 1 or 9999)."""
        return EARLIEST_YEAR <= year <= self.end.year

    def contains(self, epoch: int) -> bool:
        """Whether a UTC epoch second is accepted."""
        return self.start_epoch <= epoch < self.end_epoch

    def describe(self) -> str:
        """The range in words, for row messages."""
        return f"outside {EARLIEST_YEAR} to one year ahead ({self.end:%Y-%m-%d})"


def parse_number(text: str) -> float | None:
    """A decimal number, or None when ``text`` is not one ('1_0', '0x10', 'nan', 'inf')."""
    stripped = text.strip()
    if not _NUMBER.fullmatch(stripped):
        return None
    return float(stripped)


def is_whole_number(text: str) -> bool:
    """ASCII digits only ('²' and other Unicode digits are not counts ``int`` can read)."""
    return text.isascii() and text.isdigit()
