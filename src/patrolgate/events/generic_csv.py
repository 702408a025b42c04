"""Any city's open data: a CSV with a time, a latitude and a longitude column."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from patrolgate.errors import InvalidInput
from patrolgate.events.records import CHUNK_ROWS, ContentIds, EventChunk, ParsedSource, RowError
from patrolgate.events.row_builder import ChunkBuilder
from patrolgate.events.source_file import CsvStream, open_csv
from patrolgate.events.taxonomy import normalise_category
from patrolgate.timekeeping import (
    ONE_MINUTE,
    day_interval,
    epoch_seconds,
    month_interval,
    record_time,
)


@dataclass(frozen=True)
class CsvLayout:
    """Which columns hold what, and how numbers and times are written."""

    time: str
    lat: str
    lon: str
    category: str | None = None
    category_value: str | None = None
    id: str | None = None
    delimiter: str = ","
    decimal: str = "."
    time_format: str | None = None
    timezone: str = "Europe/London"
    source: str = "csv"

    def validate(self) -> None:
        """Refuse contradictory or incomplete layouts before reading anything."""
        if (self.category is None) == (self.category_value is None):
            raise InvalidInput("give exactly one of --category COLUMN or --category-value NAME")
        if len(self.delimiter) != 1:
            raise InvalidInput(f"--delimiter must be one character, not {self.delimiter!r}")
        if self.decimal not in (".", ","):
            raise InvalidInput(f"--decimal must be '.' or ',', not {self.decimal!r}")
        if self.decimal == self.delimiter:
            raise InvalidInput("--decimal and --delimiter cannot be the same character")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidInput(f"--timezone: unknown time zone {self.timezone!r}") from None


class Resolution(StrEnum):
    """How precisely a time format places an event: the interval each record spans."""

    MINUTE = "minute"
    DAY = "day"
    MONTH = "month"


def resolution_of(time_format: str | None) -> Resolution:
    """A format without a day of month spans a month; without a time of day, a day."""
    if time_format is None:
        return Resolution.MINUTE
    if not any(code in time_format for code in ("%d", "%j", "%x", "%c", "%F", "%D")):
        return Resolution.MONTH
    if not any(code in time_format for code in ("%H", "%I", "%M", "%S", "%X", "%c", "%T", "%R")):
        return Resolution.DAY
    return Resolution.MINUTE


def parse_generic_csv(path: Path, layout: CsvLayout) -> ParsedSource:
    """Parse the file with ``layout``; each bad row is reported with its field."""
    layout.validate()
    required = [layout.time, layout.lat, layout.lon]
    required += [c for c in (layout.category, layout.id) if c is not None]
    stream = open_csv(path, required=required, delimiter=layout.delimiter, what="CSV")
    source = ParsedSource("csv", path, stream.sha256, iter(()))
    source.chunks = _chunks(stream, layout, source.rejected)
    source.rows_read = lambda: stream.rows_read
    return source


def _chunks(stream: CsvStream, layout: CsvLayout, rejected: list[RowError]) -> Iterator[EventChunk]:
    path = stream.path
    i_time, i_lat, i_lon = (stream.column(c) for c in (layout.time, layout.lat, layout.lon))
    i_cat = stream.column(layout.category) if layout.category else None
    i_id = stream.column(layout.id) if layout.id else None
    fixed = normalise_category(layout.category_value).value if layout.category_value else None
    resolution = resolution_of(layout.time_format)
    width = len(stream.header)
    ids = ContentIds(layout.source)
    categories: dict[str, str] = {}
    times: dict[str, tuple[int, int, int, int] | None] = {}
    number = 1
    for rows in stream.chunks(CHUNK_ROWS):
        events = ChunkBuilder(layout.source)
        for row in rows:
            number += 1
            if len(row) != width:
                if any(cell.strip() for cell in row):
                    rejected.append(
                        RowError(
                            path, number, "row", f"has {len(row)} fields, the header has {width}"
                        )
                    )
                continue
            text = row[i_time].strip()
            if text not in times:
                times[text] = _parse_time(text, layout, resolution)
            timing = times[text]
            if timing is None:
                expected = layout.time_format or "an ISO date and time"
                rejected.append(
                    RowError(path, number, layout.time, f"{text!r} does not match {expected}")
                )
                continue
            coordinates = _coordinates(
                path,
                number,
                row,
                ((layout.lon, i_lon, 180.0), (layout.lat, i_lat, 90.0)),
                layout.decimal,
            )
            if isinstance(coordinates, RowError):
                rejected.append(coordinates)
                continue
            if fixed is not None:
                category, source_category = fixed, str(layout.category_value)
            else:
                assert i_cat is not None
                source_category = row[i_cat].strip()
                if not source_category:
                    rejected.append(RowError(path, number, str(layout.category), "missing"))
                    continue
                category = (
                    categories.get(source_category) or normalise_category(source_category).value
                )
                categories[source_category] = category
            if i_id is not None:
                source_id = row[i_id].strip()
                if not source_id:
                    rejected.append(RowError(path, number, str(layout.id), "missing"))
                    continue
                event_id = f"{layout.source}:{source_id}"
            else:
                event_id = ids("\x1f".join(row))
            events.add(
                event_id=event_id,
                category=category,
                source_category=source_category,
                start=timing[0],
                end=timing[1],
                year=timing[2],
                month=timing[3],
                lon=coordinates[0],
                lat=coordinates[1],
            )
        if len(events):
            yield events.build()


def _parse_time(
    text: str, layout: CsvLayout, resolution: Resolution
) -> tuple[int, int, int, int] | None:
    """UTC start and end (epoch seconds) and local year and month, or None when unreadable."""
    try:
        moment = (
            datetime.strptime(text, layout.time_format)
            if layout.time_format
            else datetime.fromisoformat(text)
        )
    except ValueError:
        return None
    zone = ZoneInfo(layout.timezone)
    start = record_time(moment, zone)
    local = start.astimezone(zone)
    if resolution is Resolution.MONTH:
        start, end = month_interval(local.year, local.month, layout.timezone)
    elif resolution is Resolution.DAY:
        start, end = day_interval(local.date(), zone)
    else:
        end = start + ONE_MINUTE
    return epoch_seconds(start), epoch_seconds(end), local.year, local.month


def _coordinates(
    path: Path,
    number: int,
    row: list[str],
    columns: tuple[tuple[str, int, float], ...],
    decimal: str,
) -> tuple[float, float] | RowError:
    values: list[float] = []
    for name, index, limit in columns:
        raw = row[index].strip()
        if decimal == ",":
            raw = raw.replace(",", ".")
        try:
            value = float(raw)
        except ValueError:
            return RowError(
                path, number, name, "missing" if not raw else f"{raw!r} is not a number"
            )
        if not math.isfinite(value) or not -limit <= value <= limit:
            return RowError(path, number, name, f"{value} is outside {-limit:g}..{limit:g}")
        values.append(value)
    return values[0], values[1]
