"""data.police.uk files: street-level crime and stop and search, plain or gzipped, any force."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from patrolgate.errors import InvalidInput
from patrolgate.events.allow_list import KEPT_FIELDS, KeptFieldIds, police_uk_force
from patrolgate.events.column_batches import ColumnBatch, column_batches
from patrolgate.events.local_time import local_year_month
from patrolgate.events.ranges import TimeRange, is_whole_number
from patrolgate.events.records import (
    CHUNK_ROWS,
    EventChunk,
    ParsedSource,
    RowError,
    parse_floats,
    take,
)
from patrolgate.events.source_file import CsvStream, open_csv
from patrolgate.events.taxonomy import Category, normalise_category
from patrolgate.timekeeping import epoch_seconds, month_interval

STREET_COLUMNS = ("Crime ID", "Month", "Longitude", "Latitude", "LSOA code", "Crime type")
STOP_SEARCH_COLUMNS = ("Type", "Date", "Latitude", "Longitude", "Legislation")
POLICE_UK_TIMEZONE = "Europe/London"


def parse_police_uk(path: Path, chunk_rows: int = CHUNK_ROWS) -> ParsedSource:
    """Parse a street-level or stop-and-search file, choosing by its header."""
    try:
        stream = open_csv(path, required=STREET_COLUMNS, what="data.police.uk street-level")
    except InvalidInput as street_error:
        if "missing column" not in str(street_error):
            raise
        try:
            stream = open_csv(path, required=STOP_SEARCH_COLUMNS, what="data.police.uk")
        except InvalidInput as error:
            if "missing column" not in str(error):
                raise
            raise InvalidInput(
                f"{path}: not a data.police.uk street-level or stop-and-search file "
                f"(street-level files have {', '.join(STREET_COLUMNS)}; stop-and-search files "
                f"have {', '.join(STOP_SEARCH_COLUMNS)})"
            ) from None
        source = ParsedSource(
            "police-uk", path, stream.sha256, iter(()), kept_fields=_kept("police-uk-stop-search")
        )
        source.chunks = _stop_search_chunks(stream, source.rejected, chunk_rows)
    else:
        source = ParsedSource(
            "police-uk", path, stream.sha256, iter(()), kept_fields=_kept("police-uk-street")
        )
        source.chunks = _street_chunks(stream, source.rejected, chunk_rows)
    source.rows_read = lambda: stream.rows_read
    source.blank_rows = lambda: stream.blank_rows
    return source


def _kept(source: str) -> tuple[str, ...]:
    return KEPT_FIELDS[source]


def _month(text: str, times: TimeRange) -> tuple[int, int, int, int] | str:
    """A 'YYYY-MM' month as (UTC start, UTC end, year, month), or what is wrong with it."""
    parts = text.strip().split("-")
    if len(parts) != 2 or not all(is_whole_number(p) and len(p) <= 4 for p in parts):
        return f"{text!r} is not YYYY-MM"
    year, month = int(parts[0]), int(parts[1])
    if not 1 <= month <= 12:
        return f"{text!r} is not YYYY-MM"
    if not times.year_ok(year):
        return f"{text!r} is {times.describe()}"
    start, end = month_interval(year, month, POLICE_UK_TIMEZONE)
    if not times.contains(epoch_seconds(start)):
        return f"{text!r} is {times.describe()}"
    return epoch_seconds(start), epoch_seconds(end), year, month


def _coordinates(
    path: Path, batch: ColumnBatch, i_lon: int, i_lat: int
) -> tuple[NDArray[np.float64], NDArray[np.float64], dict[int, RowError]]:
    numbers = batch.numbers
    lon, lat = batch.numbers_in(i_lon), batch.numbers_in(i_lat)
    fast = (
        lon is not None
        and lat is not None
        and bool(np.all(np.isnan(lon) | ((lon >= -180) & (lon <= 180))))
        and bool(np.all(np.isnan(lat) | ((lat >= -90) & (lat <= 90))))
    )
    if fast:
        assert lon is not None and lat is not None
        lon_errors: dict[int, RowError] = {}
        lat_errors: dict[int, RowError] = {}
    else:
        lon, lon_errors = parse_floats(path, 0, "Longitude", batch.texts(i_lon), -180, 180)
        lat, lat_errors = parse_floats(path, 0, "Latitude", batch.texts(i_lat), -90, 90)
    errors: dict[int, RowError] = {}
    for i, problem in {**lat_errors, **lon_errors}.items():
        errors[i] = RowError(path, numbers[i], problem.field, problem.reason)
    half = np.isnan(lon) != np.isnan(lat)
    for i in np.flatnonzero(half).tolist():
        missing = "Longitude" if np.isnan(lon[i]) else "Latitude"
        errors.setdefault(
            i, RowError(path, numbers[i], missing, "missing while the other coordinate is given")
        )
    return lon, lat, errors


def _too_long(
    path: Path,
    batch: ColumnBatch,
    limits: dict[int, tuple[str, int]],
    problems: dict[int, RowError],
) -> None:
    """Values longer than the store keeps are row errors, never truncated or a failure."""
    for index, (name, limit) in limits.items():
        if batch.longest(index) <= limit:
            continue
        for i, text in enumerate(batch.texts(index)):
            if len(text) > limit:
                problems.setdefault(
                    i, RowError(path, batch.numbers[i], name, f"over {limit} characters")
                )


def _keep(size: int, problems: dict[int, RowError], rejected: list[RowError]) -> NDArray[np.bool_]:
    keep = np.ones(size, dtype=bool)
    for i in sorted(problems):
        keep[i] = False
        rejected.append(problems[i])
    return keep


def _street_chunks(stream: CsvStream, rejected: list[RowError], size: int) -> Iterator[EventChunk]:
    path = stream.path
    i_id, i_month = stream.column("Crime ID"), stream.column("Month")
    i_lon, i_lat = stream.column("Longitude"), stream.column("Latitude")
    i_lsoa, i_type = stream.column("LSOA code"), stream.column("Crime type")
    ids = KeptFieldIds("police-uk-street", police_uk_force(path))
    times = TimeRange()
    months: dict[str, tuple[int, int, int, int] | str] = {}
    categories: dict[str, str] = {}
    for batch in column_batches(stream, size):
        rejected.extend(batch.errors)
        if not len(batch):
            continue
        numbers = batch.numbers
        lon, lat, problems = _coordinates(path, batch, i_lon, i_lat)
        month_texts = batch.texts(i_month)
        distinct_months = set(month_texts)
        for text in distinct_months - months.keys():
            months[text] = _month(text, times)
        types = [t.strip() for t in batch.texts(i_type)]
        if any(isinstance(months[t], str) for t in distinct_months) or "" in set(types):
            for i, (text, kind) in enumerate(zip(month_texts, types, strict=True)):
                month = months[text]
                if isinstance(month, str):
                    problems.setdefault(i, RowError(path, numbers[i], "Month", month))
                elif not kind:
                    problems.setdefault(i, RowError(path, numbers[i], "Crime type", "missing"))
        _too_long(path, batch, {i_type: ("Crime type", 200), i_id: ("Crime ID", 80)}, problems)
        keep = _keep(len(batch), problems, rejected)
        everything = bool(keep.all())
        kept_types = types if everything else take(types, keep)
        for kind in set(kept_types) - categories.keys():
            categories[kind] = normalise_category(kind).value
        timing = np.array(
            [months[t] for t in (month_texts if everything else take(month_texts, keep))],
            dtype=np.int64,
        ).reshape(-1, 4)
        crime_ids = batch.texts(i_id) if everything else take(batch.texts(i_id), keep)
        kept_lon, kept_lat = lon[keep], lat[keep]
        if all(c.strip() for c in crime_ids):
            event_ids = [c.strip() for c in crime_ids]
        else:
            # No Crime ID (anti-social behaviour): the kept fields and the force say which.
            event_ids = [
                c.strip()
                or ids(int(timing[k, 0]), float(kept_lon[k]), float(kept_lat[k]), kept_types[k])
                for k, c in enumerate(crime_ids)
            ]
        lsoa = batch.texts(i_lsoa) if everything else take(batch.texts(i_lsoa), keep)
        yield EventChunk(
            source="police-uk-street",
            ids=event_ids,
            category=[categories[k] for k in kept_types],
            source_category=kept_types,
            t_start=timing[:, 0],
            t_end=timing[:, 1],
            local_year=timing[:, 2],
            local_month=timing[:, 3],
            lon=kept_lon,
            lat=kept_lat,
            borough_code=[None] * len(kept_types),
            lsoa_code=[c.strip() or None for c in lsoa],
            rows=np.asarray(numbers, dtype=np.int64)[keep],
        )


def _stop_search_chunks(
    stream: CsvStream, rejected: list[RowError], size: int
) -> Iterator[EventChunk]:
    path = stream.path
    i_date, i_leg = stream.column("Date"), stream.column("Legislation")
    i_lon, i_lat = stream.column("Longitude"), stream.column("Latitude")
    ids = KeptFieldIds("police-uk-stop-search", police_uk_force(path))
    times = TimeRange()
    instants: dict[str, int | str] = {}
    for batch in column_batches(stream, size):
        rejected.extend(batch.errors)
        if not len(batch):
            continue
        numbers = batch.numbers
        lon, lat, problems = _coordinates(path, batch, i_lon, i_lat)
        dates = batch.texts(i_date)
        for text in set(dates) - instants.keys():
            instants[text] = _instant(text, times)
        if any(isinstance(instants[t], str) for t in set(dates)):
            for i, text in enumerate(dates):
                instant = instants[text]
                if isinstance(instant, str):
                    problems.setdefault(i, RowError(path, numbers[i], "Date", instant))
        _too_long(path, batch, {i_leg: ("Legislation", 200)}, problems)
        keep = _keep(len(batch), problems, rejected)
        kept = np.flatnonzero(keep).tolist()
        start = np.array([int(instants[dates[k]]) for k in kept], dtype=np.int64)
        year, month = local_year_month(start, POLICE_UK_TIMEZONE)
        laws = batch.texts(i_leg)
        legislation = [laws[k].strip() or "stop and search (no legislation given)" for k in kept]
        kept_lon, kept_lat = lon[keep], lat[keep]
        # The kept fields, the force and the occurrence: never the searched person's columns.
        event_ids = [
            ids(*fields)
            for fields in zip(
                start.tolist(), kept_lon.tolist(), kept_lat.tolist(), legislation, strict=True
            )
        ]
        yield EventChunk(
            source="police-uk-stop-search",
            ids=event_ids,
            category=[Category.STOP_AND_SEARCH.value] * len(kept),
            source_category=legislation,
            t_start=start,
            t_end=start + 60,
            local_year=year,
            local_month=month,
            lon=kept_lon,
            lat=kept_lat,
            borough_code=[None] * len(kept),
            lsoa_code=[None] * len(kept),
            rows=np.asarray(numbers, dtype=np.int64)[keep],
        )


def _instant(text: str, times: TimeRange) -> int | str:
    """UTC epoch seconds of an ISO time with its offset, or what is wrong with it."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return f"{text!r} is not an ISO time with UTC offset"
    if moment.tzinfo is None:
        return f"{text!r} is not an ISO time with UTC offset"
    if not times.year_ok(moment.year):
        return f"{text!r} is {times.describe()}"
    try:
        epoch = epoch_seconds(moment)
    except (OverflowError, ValueError, OSError):
        return f"{text!r} is {times.describe()}"
    if not times.contains(epoch):
        return f"{text!r} is {times.describe()}"
    return epoch
