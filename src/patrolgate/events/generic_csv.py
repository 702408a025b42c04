"""Any city's open data: a CSV with a time, a latitude and a longitude column (and,
optionally, a column of place types from the closed list of :mod:`.place_types`)."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from patrolgate.errors import InvalidInput
from patrolgate.events.allow_list import KeptFieldIds, person_column_reason, person_values_reason
from patrolgate.events.place_types import normalise_place_type
from patrolgate.events.ranges import TimeRange, parse_number
from patrolgate.events.records import CHUNK_ROWS, EventChunk, ParsedSource, RowError
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
    #: A column of place types (``place_types.PLACE_TYPES``); an empty value is no place type.
    place_type: str | None = None
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

    def mapped(self) -> dict[str, str]:
        """The columns read, by the option that names them (nothing else is kept)."""
        options = {"--time": self.time, "--lat": self.lat, "--lon": self.lon}
        if self.category is not None:
            options["--category"] = self.category
        if self.id is not None:
            options["--id"] = self.id
        if self.place_type is not None:
            options["--place-column"] = self.place_type
        return options


def _refuse_person_values(stream: CsvStream, layout: CsvLayout) -> None:
    """Refuse an id, category or place column whose first rows' values describe people
    (before any row's value is quoted back in a row error)."""
    checked = {
        o: c for o, c in layout.mapped().items() if o in ("--category", "--id", "--place-column")
    }
    if not checked:
        return
    indexes = {option: stream.column(column) for option, column in checked.items()}
    samples: dict[str, list[str]] = {option: [] for option in checked}
    try:
        records = stream.records()
        next(records, None)
        for _, row in zip(range(PERSON_SAMPLE_ROWS), records, strict=False):
            for option, index in indexes.items():
                if index < len(row):
                    samples[option].append(row[index])
    except (UnicodeDecodeError, csv.Error, OSError, EOFError):
        return  # the full read reports the damage with its row
    for option, values in samples.items():
        reason = person_values_reason(values, labels=option == "--category")
        if reason is not None:
            raise InvalidInput(
                f"{stream.path}: {option} {checked[option]!r} describes people: {reason}; "
                "PatrolGate keeps areas, never people"
            )


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


#: The longest category text and id kept (the events table's own limits).
MAX_CATEGORY = 200
MAX_ID = 80
#: Rows of the id and category columns sampled for values that describe people.
PERSON_SAMPLE_ROWS = 2_000


def parse_generic_csv(path: Path, layout: CsvLayout) -> ParsedSource:
    """Parse the file with ``layout``; each bad row is reported with its field.

    The columns the layout maps are the only ones read (the allow-list); a mapped column
    that describes a person, by its name or by its values, is refused before anything is
    read further.
    """
    layout.validate()
    mapped = layout.mapped()
    for option, column in mapped.items():
        reason = person_column_reason(column)
        if reason is not None:
            raise InvalidInput(
                f"{path}: {option} {column!r} describes a person ({reason}); PatrolGate keeps "
                "areas, never people: map a time, place or offence column instead"
            )
    stream = open_csv(path, required=list(mapped.values()), delimiter=layout.delimiter, what="CSV")
    _refuse_person_values(stream, layout)
    source = ParsedSource(
        "csv", path, stream.sha256, iter(()), kept_fields=tuple(dict.fromkeys(mapped.values()))
    )
    source.chunks = _chunks(stream, layout, source.rejected)
    source.rows_read = lambda: stream.rows_read
    source.blank_rows = lambda: stream.blank_rows
    return source


def _chunks(stream: CsvStream, layout: CsvLayout, rejected: list[RowError]) -> Iterator[EventChunk]:
    path = stream.path
    i_time, i_lat, i_lon = (stream.column(c) for c in (layout.time, layout.lat, layout.lon))
    i_cat = stream.column(layout.category) if layout.category else None
    i_id = stream.column(layout.id) if layout.id else None
    i_place = stream.column(layout.place_type) if layout.place_type else None
    places: dict[str, str | None] = {}  # accepted spellings only: a bounded few
    fixed = normalise_category(layout.category_value).value if layout.category_value else None
    resolution = resolution_of(layout.time_format)
    width = len(stream.header)
    ids = KeptFieldIds(layout.source)
    times_allowed = TimeRange()
    categories: dict[str, str] = {}
    times: dict[str, tuple[int, int, int, int] | str] = {}
    for rows in stream.numbered_rows(CHUNK_ROWS):
        events = ChunkBuilder(layout.source, place_type=[] if i_place is not None else None)
        for number, row in rows:
            if len(row) != width:
                rejected.append(
                    RowError(path, number, "row", f"has {len(row)} fields, the header has {width}")
                )
                continue
            text = row[i_time].strip()
            if text not in times:
                times[text] = _parse_time(text, layout, resolution, times_allowed)
            timing = times[text]
            if isinstance(timing, str):
                rejected.append(RowError(path, number, layout.time, timing))
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
                if len(source_category) > MAX_CATEGORY:
                    rejected.append(
                        RowError(
                            path,
                            number,
                            str(layout.category),
                            f"over {MAX_CATEGORY} characters: not a category",
                        )
                    )
                    continue
                category = (
                    categories.get(source_category) or normalise_category(source_category).value
                )
                categories[source_category] = category
            place_type = None
            if i_place is not None:
                raw = row[i_place]
                if raw in places:
                    place_type = places[raw]
                else:
                    try:
                        place_type = places[raw] = normalise_place_type(raw)
                    except ValueError as refusal:
                        field = str(layout.place_type)
                        rejected.append(RowError(path, number, field, str(refusal)))
                        continue
            if i_id is not None:
                source_id = row[i_id].strip()
                if not source_id:
                    rejected.append(RowError(path, number, str(layout.id), "missing"))
                    continue
                event_id = f"{layout.source}:{source_id}"
                if len(event_id) > MAX_ID:
                    rejected.append(
                        RowError(path, number, str(layout.id), f"over {MAX_ID} characters")
                    )
                    continue
            else:
                # The kept fields and the occurrence, never the columns the layout leaves out.
                event_id = ids(timing[0], timing[1], *coordinates, source_category)
            events.add(
                row=number,
                event_id=event_id,
                category=category,
                source_category=source_category,
                start=timing[0],
                end=timing[1],
                year=timing[2],
                month=timing[3],
                lon=coordinates[0],
                lat=coordinates[1],
                place_type=place_type,
            )
        if len(events):
            yield events.build()


def _parse_time(
    text: str, layout: CsvLayout, resolution: Resolution, allowed: TimeRange
) -> tuple[int, int, int, int] | str:
    """UTC start and end (epoch seconds) and local year and month, or what is wrong."""
    try:
        moment = (
            datetime.strptime(text, layout.time_format)
            if layout.time_format
            else datetime.fromisoformat(text)
        )
    except ValueError:
        return f"{text!r} does not match {layout.time_format or 'an ISO date and time'}"
    if not allowed.year_ok(moment.year):
        return f"{text!r} is {allowed.describe()}"
    zone = ZoneInfo(layout.timezone)
    try:
        start = record_time(moment, zone)
        local = start.astimezone(zone)
        if resolution is Resolution.MONTH:
            start, end = month_interval(local.year, local.month, layout.timezone)
        elif resolution is Resolution.DAY:
            start, end = day_interval(local.date(), zone)
        else:
            end = start + ONE_MINUTE
        epochs = epoch_seconds(start), epoch_seconds(end)
    except (OverflowError, ValueError, OSError):
        return f"{text!r} is {allowed.describe()}"
    if not allowed.contains(epochs[0]):
        return f"{text!r} is {allowed.describe()}"
    return epochs[0], epochs[1], local.year, local.month


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
        value = parse_number(raw)
        if value is None:
            return RowError(
                path, number, name, "missing" if not raw else f"{raw!r} is not a number"
            )
        if not math.isfinite(value) or not -limit <= value <= limit:
            return RowError(path, number, name, f"{value} is outside {-limit:g}..{limit:g}")
        values.append(value)
    return values[0], values[1]
