"""CSV that a spreadsheet opens as data: no cell is ever read as a formula.

Every CSV PatrolGate writes carries text that came from outside (imported borough and area
names, debrief outcome names, category names). A spreadsheet reads a cell that starts with
``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return before one of them) as a formula,
so ``=HYPERLINK(...)`` in a borough name would become a live link in an analyst's
spreadsheet. Such a text cell is written with a leading apostrophe, which spreadsheets take
as "this is text" (the OWASP advice for CSV injection); numbers are written as numbers.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO

#: The first characters that make a spreadsheet read a cell as a formula (with the
#: full-width forms some spreadsheets also accept).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def neutralise(value: Any) -> Any:
    """``value`` as a cell no spreadsheet evaluates: a text cell that would start a formula
    (after any spaces) gets a leading apostrophe, and carriage returns in it become line
    feeds (which the writer quotes); numbers and other text are unchanged."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return value
    # A lone carriage return would end the row in a spreadsheet (the writer quotes only the
    # cells holding its own line end), and the rest of the cell would start the next row.
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    if text.lstrip(" ").startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def write_rows(stream: TextIO, rows: Iterable[Sequence[Any]]) -> None:
    """Write ``rows`` as CSV lines (``\\n``), every cell through :func:`neutralise`."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerows([neutralise(cell) for cell in row] for row in rows)


def write_records(
    stream: TextIO, columns: Sequence[str], records: Iterable[Mapping[str, Any]]
) -> None:
    """A header of ``columns``, then one line per record (other keys ignored), neutralised."""
    write_rows(stream, [list(columns), *([record.get(c) for c in columns] for record in records)])
