"""Any city's CSV: Chicago's real file, European number formats, time zones and formats."""

from __future__ import annotations

import csv
import gzip
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.conftest import SHIPPED_DATA

from patrolgate.errors import InvalidInput
from patrolgate.events.generic_csv import CsvLayout, Resolution, parse_generic_csv, resolution_of
from patrolgate.events.place_types import PLACE_TYPES

CHICAGO = SHIPPED_DATA / "chicago" / "chicago_aggravated_assaults_2010-2017.csv.gz"
CHICAGO_LAYOUT = CsvLayout(
    time="date",
    lat="latitude",
    lon="longitude",
    category_value="aggravated assault",
    time_format="%Y-%m-%d %H:%M",
    timezone="America/Chicago",
    source="csv:chicago",
)


def test_chicago_assaults_are_read_in_local_time() -> None:
    """All 117,875 assaults come through, minute intervals, in Chicago's time zone."""
    source = parse_generic_csv(CHICAGO, CHICAGO_LAYOUT)
    chunks = list(source.chunks)
    assert source.rejected == []
    assert sum(len(c) for c in chunks) == 117_875
    first = chunks[0]
    # 2010-01-01 00:05 in Chicago (CST, UTC-6) is 06:05 UTC.
    assert int(first.t_start[0]) == int(datetime(2010, 1, 1, 6, 5, tzinfo=UTC).timestamp())
    assert int(first.t_end[0] - first.t_start[0]) == 60
    assert set(first.category) == {"violence-with-injury"}
    assert set(first.source_category) == {"aggravated assault"}


def test_semicolons_decimal_commas_and_summer_time(tmp_path: Path) -> None:
    """A European export: ';' separated, ',' decimals, day-first times in summer time."""
    path = tmp_path / "city.csv"
    path.write_text(
        "id;when;lat;lon;kind\n"
        "a1;30/06/2019 23:30;52,52;13,40;Robbery\n"
        "a2;31/06/2019 10:00;52,52;13,40;Robbery\n"
        "a3;01/07/2019 10:00;;13,40;Robbery\n",
        encoding="utf-8",
    )
    layout = CsvLayout(
        time="when",
        lat="lat",
        lon="lon",
        category="kind",
        id="id",
        delimiter=";",
        decimal=",",
        time_format="%d/%m/%Y %H:%M",
        timezone="Europe/Berlin",
        source="csv:berlin",
    )
    source = parse_generic_csv(path, layout)
    chunks = list(source.chunks)
    assert [c.ids for c in chunks] == [["csv:berlin:a1"]]
    # 23:30 on 30 June in Berlin (UTC+2) is 21:30 UTC; the local month stays June.
    assert int(chunks[0].t_start[0]) == int(datetime(2019, 6, 30, 21, 30, tzinfo=UTC).timestamp())
    assert (int(chunks[0].local_year[0]), int(chunks[0].local_month[0])) == (2019, 6)
    assert chunks[0].lat.tolist() == [52.52]
    assert [(e.row, e.field) for e in source.rejected] == [(3, "when"), (4, "lat")]
    assert source.rejected[1].reason == "missing"


def test_month_formats_span_the_month() -> None:
    """A format without a day of the month means each record spans its month."""
    assert resolution_of("%Y-%m") is Resolution.MONTH
    assert resolution_of("%Y-%m-%d") is Resolution.DAY
    assert resolution_of("%Y-%m-%d %H:%M") is Resolution.MINUTE
    assert resolution_of(None) is Resolution.MINUTE


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"category_value": None}, "exactly one of --category"),
        ({"delimiter": ";;"}, "one character"),
        ({"decimal": "·"}, "--decimal"),
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
    ],
)
def test_contradictory_layouts_are_refused(changes: dict[str, object], message: str) -> None:
    """Layout mistakes are caught before the file is read."""
    fields = {**CHICAGO_LAYOUT.__dict__, **changes}
    with pytest.raises(InvalidInput, match=message):
        CsvLayout(**fields).validate()  # type: ignore[arg-type]


CHICAGO_PLACES = CsvLayout(**{**CHICAGO_LAYOUT.__dict__, "place_type": "loc_cat"})


def _chicago_sample(tmp_path: Path, rows: int, edits: dict[int, str] | None = None) -> Path:
    """The first ``rows`` rows of the Chicago file; ``edits`` replaces the ``loc_cat`` of
    some (by file row, the header being row 1)."""
    with gzip.open(CHICAGO, "rt", encoding="utf-8") as f:
        lines = [next(f) for _ in range(rows + 1)]
    for number, value in (edits or {}).items():
        cells = next(csv.reader([lines[number - 1]]))
        cells[1] = value
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(cells)
        lines[number - 1] = buffer.getvalue()
    path = tmp_path / "chicago-sample.csv"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_chicago_place_types_are_read_with_the_events(tmp_path: Path) -> None:
    """``--place-column loc_cat``: each event carries its row's place type, the column is
    among the fields kept, and odd spellings of a known type are accepted."""
    path = _chicago_sample(tmp_path, 200, {2: " Open  SPACE ", 3: ""})
    with gzip.open(CHICAGO, "rt", encoding="utf-8") as f:
        expected = [row["loc_cat"] for _, row in zip(range(200), csv.DictReader(f), strict=False)]
    expected[0:2] = ["open space", None]
    source = parse_generic_csv(path, CHICAGO_PLACES)
    chunks = list(source.chunks)
    assert source.rejected == []
    assert "loc_cat" in source.kept_fields
    assert [p for c in chunks for p in (c.place_type or [])] == expected
    assert set(expected) - {None} <= set(PLACE_TYPES)


def test_without_a_place_column_events_have_no_place_types() -> None:
    """A layout that maps no place column reads none (the chunk says so, not a list of
    Nones)."""
    chunk = next(parse_generic_csv(CHICAGO, CHICAGO_LAYOUT).chunks)
    assert chunk.place_type is None


@pytest.mark.parametrize(
    "value",
    ["John's house", "park", "street/alley", "streetx" * 10_000, "ＳＴＲＥＥＴ"],
)
def test_a_value_outside_the_list_rejects_its_row_by_file_row_and_field(
    tmp_path: Path, value: str
) -> None:
    """Free text, a place the list lacks or a huge string rejects that row only, named
    by file, row and field; the row is not kept without its place type."""
    path = _chicago_sample(tmp_path, 20, {7: value})
    source = parse_generic_csv(path, CHICAGO_PLACES)
    chunks = list(source.chunks)
    assert sum(len(c) for c in chunks) == 19
    assert 7 not in [int(r) for c in chunks for r in c.rows]
    [error] = source.rejected
    assert (error.path, error.row, error.field) == (path, 7, "loc_cat")
    assert "unknown place type" in error.reason and len(error.reason) < 400
    assert str(error).startswith(f"{path}:7: loc_cat: unknown place type")


def test_a_place_column_that_describes_people_is_refused_before_reading(tmp_path: Path) -> None:
    """The person screening covers the place column: by its name, and by values that read
    as people's names (refused whole, so no name is quoted back row by row)."""
    path = _chicago_sample(tmp_path, 20)
    named = CsvLayout(**{**CHICAGO_LAYOUT.__dict__, "place_type": "victim_place"})
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(
        path.read_text(encoding="utf-8").replace("loc_cat", "victim_place", 1), encoding="utf-8"
    )
    with pytest.raises(InvalidInput, match="--place-column 'victim_place' describes a person"):
        parse_generic_csv(renamed, named)
    people = _chicago_sample(tmp_path, 20, dict(zip(range(2, 8), NAMES, strict=True)))
    with pytest.raises(InvalidInput, match="--place-column 'loc_cat' describes people"):
        parse_generic_csv(people, CHICAGO_PLACES)


NAMES = ("John Smith", "Mary Jones", "David Brown", "Sarah Taylor", "James Wilson", "Emma Green")
