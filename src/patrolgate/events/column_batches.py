"""Reading a large CSV as batches of string columns: Arrow's fast reader, exact fallback.

Arrow's multi-threaded reader parses millions of rows a second but cannot say on which
row a malformed record sits. So the fast reader runs until a malformed record appears;
from the batch that held it, the file is read again with Python's ``csv`` module, which
numbers every row exactly. Clean files, the usual case, never leave the fast path.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

import pyarrow as pa
import pyarrow.csv as pa_csv

from patrolgate.errors import InvalidInput
from patrolgate.events.records import RowError
from patrolgate.events.source_file import CsvStream, is_gzip

_BLOCK_BYTES = 8 << 20


@dataclass
class ColumnBatch:
    """Rows of one batch as columns of strings (header order), with their file row numbers."""

    columns: list[list[str]]
    numbers: list[int]
    errors: list[RowError]

    def __len__(self) -> int:
        return len(self.numbers)


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
                columns = [part.column(i).to_pylist() for i in range(part.num_columns)]
                numbers = list(range(done + 2, done + 2 + part.num_rows))
                done += part.num_rows
                yield _drop_blank(ColumnBatch(columns, numbers, []))
        else:
            stream.rows_read = done
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


def _drop_blank(batch: ColumnBatch) -> ColumnBatch:
    """Rows whose every field is empty are blank lines: skipped without complaint."""
    if not batch.columns or any(all(column) for column in batch.columns):
        return batch
    keep = [i for i in range(len(batch)) if any(column[i] for column in batch.columns)]
    if len(keep) == len(batch):
        return batch
    return ColumnBatch(
        [[column[i] for i in keep] for column in batch.columns],
        [batch.numbers[i] for i in keep],
        batch.errors,
    )


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
                if len(row) == width:
                    if any(row):
                        good.append(row)
                        numbers.append(number)
                elif any(cell.strip() for cell in row):
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
            yield ColumnBatch(columns, numbers, errors)
    except UnicodeDecodeError as error:
        raise InvalidInput(
            f"{stream.path}: not UTF-8 text after row {number} ({error.reason});"
            " save the file as UTF-8"
        ) from error
    except csv.Error as error:
        raise InvalidInput(f"{stream.path}:{number + 1}: not readable as CSV ({error})") from error
    stream.rows_read = number - 1
