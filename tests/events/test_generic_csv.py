"""Any city's CSV: Chicago's real file, European number formats, time zones and formats."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.conftest import SHIPPED_DATA

from patrolgate.errors import InvalidInput
from patrolgate.events.generic_csv import CsvLayout, Resolution, parse_generic_csv, resolution_of

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
