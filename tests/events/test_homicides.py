"""MPS homicide victims: both vintages, borough names as published, nothing about the victims."""

from __future__ import annotations

import csv
import gzip
from collections import Counter
from pathlib import Path

import pytest
from tests.conftest import SHARED_DATA, SHIPPED_DATA

from patrolgate.events.homicides import parse_homicides, parse_recorded_date
from patrolgate.geo.areas import AreaLevel, areas_from_geojson, normalise_name

BOROUGHS = SHIPPED_DATA / "london-boundaries" / "london_boroughs.geojson.gz"
SHIPPED = SHIPPED_DATA / "mps-homicide" / "mps_homicide_victims_2003-01_2023-12.csv.gz"
OLDER = SHARED_DATA / "mps-homicide" / "mps_homicide_victims_2003-01_2020-12.csv"


@pytest.fixture(scope="module")
def borough_codes() -> dict[str, str]:
    """Normalised borough names to GSS codes, from the shipped boundaries."""
    areas = areas_from_geojson(
        BOROUGHS, level=AreaLevel.BOROUGH, code_field="gss_code", name_field="name"
    )
    return {normalise_name(a.name): a.code for a in areas}


def _years_in_file(path: Path) -> Counter[int]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:  # type: ignore[operator]
        return Counter(
            int(row["Recorded Date"][-4:])
            if row["Recorded Date"][-5] == " "
            else 2000 + int(row["Recorded Date"][-2:])
            for row in csv.DictReader(handle)
            for _ in range(int(row["Count of Victims"]))
        )


@pytest.mark.parametrize("path", [SHIPPED, OLDER], ids=["2024-vintage", "2021-vintage"])
def test_every_victim_is_one_event_in_its_year(path: Path, borough_codes: dict[str, str]) -> None:
    """Counts by year equal the file's own, for both date styles; no row is rejected."""
    if not path.exists():
        pytest.skip(f"{path} is not here")
    source = parse_homicides(path, borough_codes)
    chunks = list(source.chunks)
    assert source.rejected == []
    years = Counter(y for c in chunks for y in c.local_year.tolist())
    assert years == _years_in_file(path)
    codes = {code for c in chunks for code in c.borough_code}
    assert None not in codes and len(codes) == 32  # 32 boroughs; the City has its own police


def test_quirks_of_the_published_file(borough_codes: dict[str, str]) -> None:
    """'Heathrow' lies in Hillingdon; 'Brent ' with a space is Brent; '&' is 'and'."""
    assert parse_recorded_date("Jan 2003") == (2003, 1)
    assert parse_recorded_date("Jun-18") == (2018, 6)
    assert parse_recorded_date("June 18th") is None
    assert borough_codes[normalise_name("Brent ")] == borough_codes["brent"]
    assert normalise_name("Hammersmith & Fulham") == "hammersmith and fulham"
    source = parse_homicides(SHIPPED, borough_codes)
    chunks = list(source.chunks)
    with gzip.open(SHIPPED, "rt", encoding="utf-8") as handle:
        heathrow = sum(1 for r in csv.DictReader(handle) if r["Borough"].strip() == "Heathrow")
    hillingdon = borough_codes["hillingdon"]
    assert heathrow > 0
    assert sum(c.borough_code.count(hillingdon) for c in chunks) >= heathrow


def test_no_victim_detail_reaches_the_events(borough_codes: dict[str, str]) -> None:
    """Age, sex and ethnicity are never read: no event field holds them."""
    chunk = next(parse_homicides(SHIPPED, borough_codes).chunks)
    words = {w.lower() for text in chunk.source_category for w in text.replace(";", " ").split()}
    assert not words & {"male", "female", "white", "black", "asian"}
