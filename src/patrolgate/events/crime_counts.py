"""MPS recorded-crime aggregates: borough-by-month (wide) and LSOA-by-year (long) files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from patrolgate.errors import InvalidInput
from patrolgate.events.ranges import is_whole_number
from patrolgate.events.records import RowError
from patrolgate.events.source_file import CsvStream, open_csv

BOROUGH_WIDE = ("Borough", "Major Category", "Minor Category")
LSOA_LONG = ("LSOA11CD", "LSOA11NM", "category_level", "category", "year", "count")


@dataclass(frozen=True)
class CrimeCount:
    """A published count of recorded crime for one area and period."""

    area_code: str | None
    area_name: str
    period: str
    major_category: str
    minor_category: str
    count: int


@dataclass
class ParsedCounts:
    """What the parser made of one aggregates file."""

    path: Path
    source: str
    sha256: str
    counts: list[CrimeCount]
    rejected: list[RowError]


def parse_crime_counts(path: Path) -> ParsedCounts:
    """Parse either published layout, chosen by the header."""
    try:
        table = open_csv(path, required=BOROUGH_WIDE, what="MPS borough-level crime")
    except InvalidInput as wide_error:
        if "missing column" not in str(wide_error):
            raise
        try:
            table = open_csv(path, required=LSOA_LONG, what="MPS LSOA-level crime")
        except InvalidInput as error:
            if "missing column" not in str(error):
                raise
            raise InvalidInput(
                f"{path}: not an MPS recorded-crime file (expected columns "
                f"{', '.join(BOROUGH_WIDE)}, YYYYMM... or {', '.join(LSOA_LONG)})"
            ) from None
        return _parse_lsoa(path, table.header, _all_rows(table), table.sha256)
    return _parse_borough(path, table.header, _all_rows(table), table.sha256)


#: Rows with their file row numbers.
Rows = list[tuple[int, list[str]]]


def _all_rows(stream: CsvStream) -> Rows:
    rows = [row for chunk in stream.numbered_rows(100_000) for row in chunk]
    if not rows:
        raise InvalidInput(f"{stream.path}: the file has a header but no rows")
    return rows


def _parse_borough(path: Path, header: list[str], rows: Rows, sha: str) -> ParsedCounts:
    months = [
        (i, name) for i, name in enumerate(header) if is_whole_number(name) and len(name) == 6
    ]
    if not months:
        raise InvalidInput(f"{path}: no month columns (YYYYMM) after {', '.join(BOROUGH_WIDE)}")
    counts: list[CrimeCount] = []
    rejected: list[RowError] = []
    for number, row in rows:
        if len(row) != len(header):
            rejected.append(
                RowError(path, number, "row", f"has {len(row)} fields, not {len(header)}")
            )
            continue
        borough, major, minor = (row[i].strip() for i in range(3))
        for index, name in months:
            text = row[index].strip()
            if not is_whole_number(text):
                rejected.append(RowError(path, number, name, f"{text!r} is not a count"))
                break
            counts.append(
                CrimeCount(None, borough, f"{name[:4]}-{name[4:]}", major, minor, int(text))
            )
    return ParsedCounts(path, "mps-borough-monthly", sha, counts, rejected)


def _parse_lsoa(path: Path, header: list[str], rows: Rows, sha: str) -> ParsedCounts:
    index = {name: header.index(name) for name in LSOA_LONG}
    counts: list[CrimeCount] = []
    rejected: list[RowError] = []
    for number, row in rows:
        if len(row) != len(header):
            rejected.append(
                RowError(path, number, "row", f"has {len(row)} fields, not {len(header)}")
            )
            continue
        year, count = row[index["year"]].strip(), row[index["count"]].strip()
        if not (is_whole_number(year) and len(year) == 4):
            rejected.append(RowError(path, number, "year", f"{year!r} is not a year"))
            continue
        if not is_whole_number(count):
            rejected.append(RowError(path, number, "count", f"{count!r} is not a count"))
            continue
        category = row[index["category"]].strip()
        is_major = row[index["category_level"]].strip() == "major"
        counts.append(
            CrimeCount(
                area_code=row[index["LSOA11CD"]].strip(),
                area_name=row[index["LSOA11NM"]].strip(),
                period=year,
                major_category=category if is_major else category.split("-")[0],
                minor_category="(all)" if is_major else category,
                count=int(count),
            )
        )
    return ParsedCounts(path, "mps-lsoa-annual", sha, counts, rejected)
