"""Reading a large CSV as batches of string columns: Arrow's fast reader, exact fallback.

Arrow's multi-threaded reader parses millions of rows a second but cannot say on which
row a malformed record sits. So the fast reader runs until a malformed record appears;
from the batch that held it, the file is read again with Python's ``csv`` module, which
numbers every row exactly. Clean files, the usual case, never leave the fast path.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from itertools import islice

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from numpy.typing import NDArray

from patrolgate.errors import InvalidInput
from patrolgate.events.records import RowError
from patrolgate.events.source_file import CsvStream, is_gzip

#: Bytes of CSV per Arrow block: larger blocks parse no faster but hold more memory.
_BLOCK_BYTES = 4 << 20


class ColumnBatch:
    """Rows of one batch as string columns (header order), with their file row numbers.

    Backed by an Arrow record batch on the fast path, so that columns become Python
    lists only when asked for, and numbers and row contents are computed in C.
    """

    def __init__(
        self,
        numbers: list[int],
        errors: list[RowError],
        *,
        arrow: pa.RecordBatch | None = None,
        lists: list[list[str]] | None = None,
    ) -> None:
        self.numbers = numbers
        self.errors = errors
        self._arrow = arrow
        self._lists: dict[int, list[str]] = dict(enumerate(lists)) if lists is not None else {}
        self.width = arrow.num_columns if arrow is not None else len(lists or [])

    def __len__(self) -> int:
        return len(self.numbers)

    def texts(self, index: int) -> list[str]:
        """Column ``index`` as a list of strings."""
        if index not in self._lists:
            assert self._arrow is not None
            self._lists[index] = self._arrow.column(index).to_pylist()
        return self._lists[index]

    def longest(self, index: int) -> int:
        """The length of the longest text in column ``index`` (computed in C when it can)."""
        if self._arrow is not None:
            found = pc.max(pc.utf8_length(self._arrow.column(index))).as_py()
            return int(found or 0)
        return max((len(t) for t in self.texts(index)), default=0)

    def numbers_in(self, index: int) -> NDArray[np.float64] | None:
        """Column ``index`` as floats (empty is NaN), or None if some text is not a number."""
        if self._arrow is None:
            return None
        column = self._arrow.column(index)
        try:
            values = pc.cast(
                pc.if_else(pc.equal(pc.utf8_trim_whitespace(column), ""), None, column),
                pa.float64(),
            )
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None
        # Arrow reads 'nan' and 'inf' as numbers; they are not coordinates: the exact path
        # names them.
        if pc.any(pc.or_(pc.is_nan(values), pc.is_inf(values))).as_py():
            return None
        return np.asarray(values.to_numpy(zero_copy_only=False), dtype=float)


def column_batches(stream: CsvStream, batch_rows: int) -> Iterator[ColumnBatch]:
    """Batches of the file's rows after the header; blank rows skipped, misshapen rows reported."""
    malformed: list[int] = []

    def on_invalid(_row: object) -> str:
        malformed.append(1)
        return "skip"

    names = [f"c{i}" for i in range(len(stream.header))]
    compression = "gzip" if is_gzip(stream.path) else None
    done = 0
    try:
        source = pa.input_stream(str(stream.path), compression=compression)
        reader = pa_csv.open_csv(
            source,
            read_options=pa_csv.ReadOptions(
                column_names=names, skip_rows=1, block_size=_BLOCK_BYTES, use_threads=True
            ),
            parse_options=pa_csv.ParseOptions(
                delimiter=stream.delimiter, invalid_row_handler=on_invalid, ignore_empty_lines=False
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False
            ),
        )
        for batch in reader:
            if malformed:
                break
            for start in range(0, batch.num_rows, batch_rows):
                part = batch.slice(start, batch_rows)
                numbers = list(range(done + 2, done + 2 + part.num_rows))
                done += part.num_rows
                kept = _drop_blank(part, numbers)
                stream.blank_rows += part.num_rows - len(kept)
                stream.rows_read += len(kept)
                yield kept
        else:
            # One record a line on this path (a value with a line break is malformed here).
            stream.lines_read = done + 1
            stream.reconcile()
            return
    except pa.ArrowInvalid as error:
        if "UTF8" in str(error) or "utf8" in str(error).lower():
            raise InvalidInput(
                f"{stream.path}: not UTF-8 text ({error}); save the file as UTF-8"
            ) from error
        if not malformed:
            malformed.append(1)
    except (OSError, EOFError) as error:
        raise InvalidInput(f"{stream.path}: damaged file ({error})") from error
    yield from _exact_batches(stream, done, batch_rows)
    stream.reconcile()


def _drop_blank(part: pa.RecordBatch, numbers: list[int]) -> ColumnBatch:
    """Rows whose every field is empty are blank lines: skipped without complaint."""
    blank = None
    for column in part.columns:
        empty = pc.equal(column, "")
        blank = empty if blank is None else pc.and_(blank, empty)
    if blank is None or not pc.any(blank).as_py():
        return ColumnBatch(numbers, [], arrow=part)
    keep = pc.invert(blank)
    kept = np.flatnonzero(keep.to_numpy(zero_copy_only=False)).tolist()
    return ColumnBatch([numbers[i] for i in kept], [], arrow=part.filter(keep))


def _exact_batches(stream: CsvStream, skip: int, batch_rows: int) -> Iterator[ColumnBatch]:
    """Python's reader from record ``skip`` on, numbering and checking every row."""
    width = len(stream.header)
    rows = stream.records()
    next(rows, None)  # the header
    consumed = sum(1 for _ in islice(rows, skip))
    number = consumed + 1
    try:
        while chunk := list(islice(rows, batch_rows)):
            good: list[list[str]] = []
            numbers: list[int] = []
            errors: list[RowError] = []
            for row in chunk:
                number += 1
                if not any(cell.strip() for cell in row):
                    stream.blank_rows += 1
                    continue
                stream.rows_read += 1
                if len(row) == width:
                    good.append(row)
                    numbers.append(number)
                else:
                    errors.append(
                        RowError(
                            stream.path,
                            number,
                            "row",
                            f"has {len(row)} fields, the header has {width}",
                        )
                    )
            columns = (
                [list(c) for c in zip(*good, strict=True)] if good else [[] for _ in range(width)]
            )
            yield ColumnBatch(numbers, errors, lists=columns)
    except UnicodeDecodeError as error:
        raise InvalidInput(
            f"{stream.path}: not UTF-8 text after row {number} ({error.reason});"
            " save the file as UTF-8"
        ) from error
    except csv.Error as error:
        raise InvalidInput(f"{stream.path}:{number + 1}: not readable as CSV ({error})") from error
