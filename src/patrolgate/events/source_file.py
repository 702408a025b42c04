"""Opening a data file: plain or gzipped, text not binary, UTF-8, with the expected header.

Files are streamed, never read whole, so a million-row import stays small in memory. Before
any row is parsed, one pass over the file (:func:`scan_file`) takes its SHA-256, counts its
lines and quote marks, and finds a damaged gzip stream, a NUL byte or a quote that opens and
never closes: each is a file-level error naming the line, so nothing of such a file is
stored and no row is silently swallowed.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO

from patrolgate.errors import InvalidInput

_NUL = "a NUL byte: this is a binary file (or a damaged one), not CSV text; nothing stored"
_SNIFF = 4096
_BLOCK = 1 << 20


@dataclass(frozen=True)
class FileShape:
    """What one pass over a file found: its digest, its lines and its quote marks."""

    sha256: str
    lines: int
    quotes: int


def scan_file(path: Path) -> FileShape:
    """Digest, lines and quotes of the file as text (gunzipped), refusing damage.

    A gzip stream that is damaged or cut short, a NUL byte, or an odd number of quote
    marks (a quote that opens and never closes) is an :class:`InvalidInput` naming the
    line; the quote's line is found with a second pass, only then.
    """
    digest = hashlib.sha256()
    lines = quotes = 0
    nul_line: int | None = None
    last = b"\n"
    gzipped = is_gzip(path)
    inflate = zlib.decompressobj(wbits=31) if gzipped else None
    try:
        with path.open("rb") as handle:
            while block := handle.read(_BLOCK):
                digest.update(block)
                text = block
                if inflate is not None:
                    text = inflate.decompress(block)
                    while inflate.eof and inflate.unused_data:  # concatenated gzip members
                        rest = inflate.unused_data
                        inflate = zlib.decompressobj(wbits=31)
                        text += inflate.decompress(rest)
                if nul_line is None and b"\x00" in text:
                    nul_line = lines + text[: text.index(b"\x00")].count(b"\n") + 1
                lines += text.count(b"\n")
                quotes += text.count(b'"')
                if text:
                    last = text[-1:]
    except (zlib.error, OSError, EOFError) as error:
        raise InvalidInput(
            f"{path}: damaged gzip file after line {lines} ({error}); nothing stored"
        ) from error
    if inflate is not None and not inflate.eof:
        raise InvalidInput(
            f"{path}: damaged gzip file: it ends early, after line {lines}; nothing stored"
        )
    if last != b"\n":
        lines += 1
    if nul_line is not None:
        raise InvalidInput(f"{path}:{nul_line}: {_NUL}")
    if quotes % 2:
        opened = _unclosed_quote_line(path)
        raise InvalidInput(
            f"{path}:{opened}: a quote opens on this line and never closes, so the rest of "
            "the file would be read as one field; nothing stored (fix the quote and import again)"
        )
    return FileShape(sha256=digest.hexdigest(), lines=lines, quotes=quotes)


def _unclosed_quote_line(path: Path) -> int:
    """The line where the quote that never closes opened (the file has an odd count)."""
    opened = 0
    inside = False
    with open_binary(path) as handle:
        for number, line in enumerate(handle, start=1):
            if line.count(b'"') % 2:
                inside = not inside
                if inside:
                    opened = number
    return opened


def is_gzip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


def file_sha256(path: Path) -> str:
    """SHA-256 of the file as stored (compressed or not)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def open_binary(path: Path) -> IO[bytes]:
    """The file's bytes, gunzipped on the fly, refusing missing files and folders."""
    if not path.exists():
        raise InvalidInput(f"{path}: no such file")
    if path.is_dir():
        raise InvalidInput(f"{path}: is a folder, not a file")
    if is_gzip(path):
        return gzip.open(path, "rb")  # type: ignore[return-value]  # a GzipFile is a binary IO
    return path.open("rb")


def read_bytes(path: Path) -> bytes:
    """The whole content (for small files such as boundaries), gunzipped when gzip."""
    try:
        with open_binary(path) as handle:
            raw = handle.read()
    except (OSError, EOFError) as error:
        raise InvalidInput(f"{path}: damaged or unreadable file ({error})") from error
    if not raw.strip():
        raise InvalidInput(f"{path}: the file is empty")
    return raw


@dataclass
class CsvStream:
    """A CSV file with a checked header, read in chunks of rows on demand.

    ``rows_read`` counts the records after the header that are not blank (a blank line is
    skipped and counted in ``blank_rows``); ``lines`` is the file's count of lines, which
    the records read must account for (:meth:`reconcile`).
    """

    path: Path
    header: list[str]
    sha256: str
    delimiter: str = ","
    rows_read: int = 0
    blank_rows: int = 0
    lines: int = 0
    #: Lines the records read so far spanned (a quoted value may hold line breaks).
    lines_read: int = 0

    def reconcile(self) -> None:
        """Refuse the file when the records read do not account for every line of it."""
        if self.lines and self.lines_read and self.lines_read != self.lines:
            raise InvalidInput(
                f"{self.path}: the file has {self.lines:,} lines, but its header and the "
                f"{self.rows_read + self.blank_rows:,} records read span {self.lines_read:,};"
                " the row count cannot be reconciled, so nothing is stored"
            )

    def column(self, name: str) -> int:
        """Index of column ``name`` (checked present when the stream was opened)."""
        return self.header.index(name)

    def records(self) -> Iterator[list[str]]:
        """Every record from the top, header included (a byte-order mark is dropped).

        ``lines_read`` follows the lines the records span, as the reader counts them.
        """
        with io.TextIOWrapper(open_binary(self.path), encoding="utf-8", newline="") as text:
            reader = csv.reader(text, delimiter=self.delimiter)
            first = next(reader, None)
            if first is None:
                return
            if first and first[0].startswith("\ufeff"):
                first[0] = first[0][1:]
            self.lines_read = reader.line_num
            yield first
            for record in reader:
                self.lines_read = reader.line_num
                yield record

    def numbered_rows(self, size: int) -> Iterator[list[tuple[int, list[str]]]]:
        """Rows after the header with their row numbers (the header is row 1), in lists of
        at most ``size``; blank lines are skipped and counted; errors name file and row; at
        the end, the lines are reconciled."""
        records = self.records()
        next(records, None)
        number = 1
        try:
            while chunk := list(islice(records, size)):
                rows = []
                for row in chunk:
                    number += 1
                    if any(cell.strip() for cell in row):
                        rows.append((number, row))
                self.blank_rows += len(chunk) - len(rows)
                self.rows_read += len(rows)
                yield rows
        except UnicodeDecodeError as error:
            raise InvalidInput(
                f"{self.path}: not UTF-8 text after row {self.rows_read + 1}"
                f" ({error.reason}); save the file as UTF-8"
            ) from error
        except csv.Error as error:
            raise InvalidInput(
                f"{self.path}: not readable as CSV after row {self.rows_read + 1} ({error})"
            ) from error
        except (OSError, EOFError, zlib.error) as error:
            raise InvalidInput(f"{self.path}: damaged file ({error})") from error
        self.reconcile()


def open_csv(
    path: Path,
    *,
    required: Sequence[str],
    delimiter: str = ",",
    what: str = "CSV",
) -> CsvStream:
    """Check the file is CSV text whose header holds every ``required`` column."""
    with open_binary(path) as binary:
        try:
            head = binary.read(_SNIFF)
        except (OSError, EOFError, zlib.error) as error:
            kind = "damaged gzip file" if is_gzip(path) else "damaged or unreadable file"
            raise InvalidInput(f"{path}: {kind} ({error}); nothing stored") from error
    if not head.strip():
        raise InvalidInput(f"{path}: the file is empty")
    if b"\x00" in head:
        line = head[: head.index(b"\x00")].count(b"\n") + 1
        raise InvalidInput(f"{path}:{line}: {_NUL}")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if len(head) < _SNIFF or error.start < len(head) - 4:  # not a character cut at the end
            raise InvalidInput(
                f"{path}: not UTF-8 text (byte {error.start}: "
                f"{head[error.start : error.start + 1]!r}); save the file as UTF-8"
            ) from error
    stream = CsvStream(path=path, header=[], sha256="", delimiter=delimiter)
    try:
        header = next(stream.records(), None)
    except UnicodeDecodeError as error:
        raise InvalidInput(
            f"{path}: not UTF-8 text ({error.reason}); save the file as UTF-8"
        ) from error
    except csv.Error as error:
        raise InvalidInput(f"{path}: not a readable CSV file ({error})") from error
    if header is None:
        raise InvalidInput(f"{path}: the file is empty")
    stream.header = [name.strip() for name in header]
    missing = [name for name in required if name not in stream.header]
    if missing:
        shown = ", ".join(stream.header[:12]) + (" ..." if len(stream.header) > 12 else "")
        raise InvalidInput(
            f"{path}: not a {what} file: missing column(s) {', '.join(missing)} "
            f"(found: {shown or 'no columns'})"
        )
    shape = scan_file(path)
    stream.sha256 = shape.sha256
    stream.lines = shape.lines
    return stream
