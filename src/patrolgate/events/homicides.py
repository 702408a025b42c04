"""The MPS homicide victims dataset: one event per victim, located to the borough.

Both published vintages are read: 'Jan 2003' (2021 download) and 'Jan-03' (2024 download)
date styles, borough names with stray spaces, '&' for 'and', and 'Heathrow', which is not a
borough: the airport lies in Hillingdon, so its victims are placed there. Age, sex and
ethnicity columns are never read.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from patrolgate.errors import InvalidInput
from patrolgate.events.allow_list import KEPT_FIELDS, KeptFieldIds
from patrolgate.events.ranges import MAX_VICTIMS_PER_ROW, TimeRange, is_whole_number
from patrolgate.events.records import CHUNK_ROWS, EventChunk, ParsedSource, RowError
from patrolgate.events.row_builder import ChunkBuilder
from patrolgate.events.source_file import CsvStream, open_csv
from patrolgate.events.taxonomy import Category
from patrolgate.geo.areas import normalise_name
from patrolgate.timekeeping import epoch_seconds, month_interval

REQUIRED = ("Count of Victims", "Recorded Date", "Borough", "Homicide Offence Type")
HOMICIDE_TIMEZONE = "Europe/London"
# Places in the file that are not boroughs, and the borough they lie in.
PLACES_IN_BOROUGHS = {"heathrow": "hillingdon"}
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}


def parse_recorded_date(text: str) -> tuple[int, int] | None:
    """Parse 'Jan 2003' or 'Jan-03' (two-digit years are 20xx) into (year, month)."""
    cleaned = text.strip().replace("-", " ")
    parts = cleaned.split()
    if len(parts) != 2 or parts[0][:3].lower() not in _MONTHS or not is_whole_number(parts[1]):
        return None
    month = _MONTHS[parts[0][:3].lower()]
    year = int(parts[1])
    if len(parts[1]) == 2:
        year += 2000
    elif len(parts[1]) != 4:
        return None
    return year, month


def parse_homicides(path: Path, borough_codes: dict[str, str]) -> ParsedSource:
    """Parse the file; ``borough_codes`` maps normalised borough names to area codes."""
    if not borough_codes:
        raise InvalidInput(
            f"{path}: homicides are located by borough, and no borough boundaries are imported;"
            " run 'patrolgate areas import ... --level borough' first"
        )
    stream = open_csv(path, required=REQUIRED, what="MPS homicide victims")
    kept = tuple(c for c in KEPT_FIELDS["mps-homicide"] if c in stream.header)
    source = ParsedSource("homicides", path, stream.sha256, iter(()), kept_fields=kept)
    source.chunks = _chunks(stream, borough_codes, source)
    source.rows_read = lambda: stream.rows_read
    source.blank_rows = lambda: stream.blank_rows
    return source


def _chunks(
    stream: CsvStream, borough_codes: dict[str, str], source: ParsedSource
) -> Iterator[EventChunk]:
    path, rejected = stream.path, source.rejected
    i_count, i_date = stream.column("Count of Victims"), stream.column("Recorded Date")
    i_borough, i_type = stream.column("Borough"), stream.column("Homicide Offence Type")
    i_method = stream.column("Method of Killing") if "Method of Killing" in stream.header else None
    width = len(stream.header)
    ids = KeptFieldIds("mps-homicide", prefix="h")
    times = TimeRange()
    for rows in stream.numbered_rows(CHUNK_ROWS):
        events = ChunkBuilder("mps-homicide")
        for number, row in rows:
            if len(row) != width:
                rejected.append(
                    RowError(path, number, "row", f"has {len(row)} fields, the header has {width}")
                )
                continue
            count_text = row[i_count].strip()
            if not is_whole_number(count_text) or int(count_text) < 1:
                rejected.append(
                    RowError(path, number, "Count of Victims", f"{count_text!r} is not a count")
                )
                continue
            victims = int(count_text)
            if victims > MAX_VICTIMS_PER_ROW:
                rejected.append(
                    RowError(
                        path,
                        number,
                        "Count of Victims",
                        f"{victims:,} victims in one row is over {MAX_VICTIMS_PER_ROW}; "
                        "the file counts one victim a row",
                    )
                )
                continue
            month = parse_recorded_date(row[i_date])
            if month is None:
                rejected.append(
                    RowError(
                        path,
                        number,
                        "Recorded Date",
                        f"{row[i_date]!r} is not 'Jan 2003' or 'Jan-03'",
                    )
                )
                continue
            start, end = month_interval(month[0], month[1], HOMICIDE_TIMEZONE)
            if not times.year_ok(month[0]) or not times.contains(epoch_seconds(start)):
                rejected.append(
                    RowError(
                        path, number, "Recorded Date", f"{row[i_date]!r} is {times.describe()}"
                    )
                )
                continue
            name = normalise_name(row[i_borough])
            code = borough_codes.get(PLACES_IN_BOROUGHS.get(name, name))
            if code is None:
                rejected.append(
                    RowError(
                        path,
                        number,
                        "Borough",
                        f"{row[i_borough].strip()[:100]!r} is not a known borough",
                    )
                )
                continue
            offence = row[i_type].strip()[:100] or "Homicide"
            method = row[i_method].strip()[:90] if i_method is not None else ""
            # Only area, time and offence fields make up the identity, never the person columns.
            content = "\x1f".join((row[i_date].strip(), name, offence, method))
            source.extra_events += victims - 1
            for _victim in range(victims):
                events.add(
                    row=number,
                    event_id=ids(content),
                    category=Category.HOMICIDE.value,
                    source_category=f"{offence}; {method}" if method else offence,
                    start=epoch_seconds(start),
                    end=epoch_seconds(end),
                    year=month[0],
                    month=month[1],
                    borough_code=code,
                )
        if len(events):
            yield events.build()
