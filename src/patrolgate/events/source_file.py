"""Opening a data file: plain or gzipped, text not binary, UTF-8, with the expected header.

Files are streamed, never read whole, so a million-row import stays small in memory.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO

from patrolgate.errors import InvalidInput

_SNIFF = 4096
_BLOCK = 1 << 20


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
    """A CSV file with a checked header, read in chunks of rows on demand."""

    path: Path
    header: list[str]
    sha256: str
    delimiter: str = ","
    rows_read: int = 0

    def column(self, name: str) -> int:
        """Index of column ``name`` (checked present when the stream was opened)."""
        return self.header.index(name)

    def records(self) -> Iterator[list[str]]:
        """Every record from the top, header included (a byte-order mark is dropped)."""
        with io.TextIOWrapper(open_binary(self.path), encoding="utf-8", newline="") as text:
            reader = csv.reader(text, delimiter=self.delimiter)
            first = next(reader, None)
            if first is None:
                return
            if first and first[0].startswith("\ufeff"):
                first[0] = first[0][1:]
            yield first
            yield from reader

    def chunks(self, size: int) -> Iterator[list[list[str]]]:
        """Rows after the header in lists of at most ``size``; errors name file and row."""
        records = self.records()
        next(records, None)
        try:
            while chunk := list(islice(records, size)):
                self.rows_read += len(chunk)
                yield chunk
        except UnicodeDecodeError as error:
            raise InvalidInput(
                f"{self.path}: not UTF-8 text after row {self.rows_read + 1}"
                f" ({error.reason}); save the file as UTF-8"
            ) from error
        except csv.Error as error:
            raise InvalidInput(
                f"{self.path}: not readable as CSV after row {self.rows_read + 1} ({error})"
            ) from error
        except (OSError, EOFError) as error:
            raise InvalidInput(f"{self.path}: damaged file ({error})") from error


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
        except (OSError, EOFError) as error:
            raise InvalidInput(f"{path}: damaged or unreadable file ({error})") from error
    if not head.strip():
        raise InvalidInput(f"{path}: the file is empty")
    if b"\x00" in head:
        raise InvalidInput(f"{path}: this is a binary file, not CSV text")
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
    stream.sha256 = file_sha256(path)
    return stream
