"""data.police.uk street-level and stop-and-search files, real and damaged."""

from __future__ import annotations

import csv
import gzip
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from tests.conftest import SHARED_DATA, SHIPPED_DATA

from patrolgate.errors import InvalidInput
from patrolgate.events.police_uk import parse_police_uk
from patrolgate.events.records import EventChunk, ParsedSource

CITY = SHIPPED_DATA / "police-uk" / "city-of-london-street"
STOP_SEARCH = (
    SHIPPED_DATA
    / "police-uk"
    / "metropolitan-stop-and-search"
    / "metropolitan-stop-and-search_2015-04_2019-02_no-demographics.csv.gz"
)


def collect(source: ParsedSource) -> EventChunk:
    """All chunks of a parsed file joined into one."""
    chunks = list(source.chunks)
    return EventChunk(
        source=chunks[0].source if chunks else "",
        ids=[i for c in chunks for i in c.ids],
        category=[i for c in chunks for i in c.category],
        source_category=[i for c in chunks for i in c.source_category],
        t_start=np.concatenate([c.t_start for c in chunks]),
        t_end=np.concatenate([c.t_end for c in chunks]),
        local_year=np.concatenate([c.local_year for c in chunks]),
        local_month=np.concatenate([c.local_month for c in chunks]),
        lon=np.concatenate([c.lon for c in chunks]),
        lat=np.concatenate([c.lat for c in chunks]),
        borough_code=[i for c in chunks for i in c.borough_code],
        lsoa_code=[i for c in chunks for i in c.lsoa_code],
        rows=np.concatenate([c.rows for c in chunks]),
    )


def test_city_of_london_month_is_read_whole() -> None:
    """Every row of a real monthly file becomes an event spanning that month in London time."""
    source = parse_police_uk(CITY / "2017-06-city-of-london-street.csv.gz")
    events = collect(source)
    with gzip.open(CITY / "2017-06-city-of-london-street.csv.gz", "rt", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert source.rows_read() == len(rows) == len(events)
    assert source.rejected == []
    # June in London starts at 23:00 UTC on 31 May (British Summer Time).
    assert set(events.t_start.tolist()) == {int(datetime(2017, 5, 31, 23, tzinfo=UTC).timestamp())}
    assert set(events.t_end.tolist()) == {int(datetime(2017, 6, 30, 23, tzinfo=UTC).timestamp())}
    assert set(events.local_month.tolist()) == {6}
    robbery_rows = sum(1 for r in rows if r["Crime type"] == "Robbery")
    assert events.category.count("robbery") == robbery_rows
    # Anti-social behaviour has no Crime ID: its ids are content hashes, all distinct.
    assert len(set(events.ids)) == len(events.ids)


def test_plain_and_gzipped_files_give_the_same_events(tmp_path: Path) -> None:
    """A .csv and its .csv.gz are the same file to the importer."""
    plain = tmp_path / "2017-01-city-of-london-street.csv"
    plain.write_bytes(gzip.decompress((CITY / f"{plain.name}.gz").read_bytes()))
    assert (
        collect(parse_police_uk(plain)).ids
        == collect(parse_police_uk(CITY / f"{plain.name}.gz")).ids
    )


def test_stop_and_search_keeps_no_person_fields() -> None:
    """Stop and search rows become police-generated events with times to the minute."""
    source = parse_police_uk(STOP_SEARCH)
    first = next(source.chunks)
    assert first.source == "police-uk-stop-search"
    assert set(first.category) == {"stop-and-search"}
    assert int(first.t_end[0] - first.t_start[0]) == 60
    # 2015-03-31T23:00:00+00:00 is midnight on 1 April in London.
    assert (int(first.local_year[0]), int(first.local_month[0])) == (2015, 4)
    assert "Criminal Justice and Public Order Act 1994 (section 60)" in set(first.source_category)


def test_bad_rows_are_named_and_the_rest_kept(tmp_path: Path) -> None:
    """Each bad row is reported as file:row: field: reason; good rows still come through."""
    original = (CITY / "2017-01-city-of-london-street.csv.gz").read_bytes()
    lines = gzip.decompress(original).decode().splitlines()
    header, rows = lines[0], lines[1:6]
    broken = [
        header,
        rows[0],
        rows[1].replace(",2017-01,", ",2017-13,"),
        rows[2].replace("-0.1", "west-0.1", 1),
        "",
        rows[3] + ",extra",
        rows[4],
    ]
    path = tmp_path / "broken.csv"
    path.write_text("\n".join(broken) + "\n", encoding="utf-8")
    source = parse_police_uk(path)
    events = collect(source)
    assert len(events) == 2
    problems = sorted(source.rejected, key=lambda e: e.row)
    assert [(e.row, e.field) for e in problems] == [(3, "Month"), (4, "Longitude"), (6, "row")]
    assert str(problems[0]) == f"{path}:3: Month: '2017-13' is not YYYY-MM"
    assert problems[1].reason.endswith("is not a number")
    assert str(problems[2]) == f"{path}:6: row: has 13 fields, the header has 12"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"\x00\x01\x02binary\x00", "binary file"),
        (b"Crime ID,Month\n1,2017-01\n", "not a data.police.uk street-level or stop"),
        ("Crime ID,Month,Reported by\nabc,2017-01,Polic\xe9\n".encode("latin-1"), "not UTF-8"),
    ],
)
def test_files_that_are_not_police_uk_fail_with_one_message(
    tmp_path: Path, content: bytes, message: str
) -> None:
    """Empty, binary, wrongly shaped or wrongly encoded files fail clearly before any row."""
    path = tmp_path / "input.csv"
    path.write_bytes(content)
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        collect(parse_police_uk(path))


def test_the_shared_originals_parse_like_the_shipped_copies() -> None:
    """The shipped gzip copies hold exactly the shared original files."""
    original = (
        SHARED_DATA / "police-uk" / "city-of-london-street" / "2018-12-city-of-london-street.csv"
    )
    if not original.exists():
        pytest.skip("../shared/data is not beside the repository")
    shipped = CITY / "2018-12-city-of-london-street.csv.gz"
    assert collect(parse_police_uk(original)).ids == collect(parse_police_uk(shipped)).ids
