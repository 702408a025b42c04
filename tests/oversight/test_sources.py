"""Importing the real MOPAC PAS borough file and the real IMD 2019 London workbook."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest
from sqlalchemy import func, select

from patrolgate.errors import InvalidInput
from patrolgate.oversight import import_imd, import_pas
from patrolgate.oversight.sources import borough_of
from patrolgate.store import Database
from patrolgate.store.oversight_tables import LsoaDeprivationRow, PasResultRow


def test_pas_imports_every_row_and_merges_the_two_richmond_spellings(
    database: Database, pas_file: Path
) -> None:
    """9,312 rows, 33 spellings of 32 boroughs: 'Richmond Upon Thames' joins 'upon'."""
    report = import_pas(database, pas_file)
    assert (report.rows_read, report.stored, report.rejected) == (9312, 9312, [])
    with database.sessions() as session:
        boroughs = session.scalar(select(func.count(func.distinct(PasResultRow.borough_code))))
        richmond = session.scalar(
            select(func.count()).where(PasResultRow.borough_code == "E09000027")
        )
        value = session.scalar(
            select(PasResultRow.proportion).where(
                PasResultRow.borough_code == "E09000002",
                PasResultRow.period_end == "2014-12-31",
                PasResultRow.measure == '"Good Job" local',
            )
        )
    assert boroughs == 32
    assert richmond == 291  # 267 'upon' + 24 'Upon'
    assert value == pytest.approx(0.56)  # the file's first data row
    again = import_pas(database, pas_file)
    with database.sessions() as session:
        assert session.scalar(select(func.count()).select_from(PasResultRow)) == 9312
    assert again.stored == 9312


def test_borough_names_as_mopac_writes_them() -> None:
    """'City of Westminster', either Richmond and '&' all find their ONS code."""
    assert borough_of("City of Westminster") == ("Westminster", "E09000033")
    assert borough_of("Richmond Upon Thames")[1] == "E09000027"
    assert borough_of("Barking & Dagenham")[1] == "E09000002"
    with pytest.raises(KeyError):
        borough_of("Heathrow")


def test_pas_rejects_bad_rows_by_line(database: Database, tmp_path: Path) -> None:
    """A bad borough or proportion is named with its line; the good rows are stored."""
    path = tmp_path / "pas.csv"
    path.write_text(
        "Date,Survey,Borough,Measure,Proportion,MPS_proportion\n"
        "2018-03-31,PAS,Lambeth,Trust MPS,0.71,0.74\n"
        "2018-03-31,PAS,Atlantis,Trust MPS,0.70,0.74\n"
        "2018-03-31,PAS,Southwark,Trust MPS,1.7,0.74\n",
        encoding="utf-8",
    )
    report = import_pas(database, path)
    assert report.stored == 1
    assert [p.split(": ")[0] for p in report.rejected] == [f"{path}:3", f"{path}:4"]


def test_pas_refuses_a_file_without_its_columns(database: Database, tmp_path: Path) -> None:
    """Another CSV fails whole, naming the missing columns."""
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="missing column"):
        import_pas(database, path)


def test_imd_imports_every_london_lsoa_with_its_decile(database: Database, imd_file: Path) -> None:
    """4,835 LSOAs; E01000001 (City of London 001A) scores 6.208, rank 29,199, decile 9."""
    report = import_imd(database, imd_file)
    assert (report.rows_read, report.stored, report.rejected) == (4835, 4835, [])
    with database.sessions() as session:
        first = session.get(LsoaDeprivationRow, "E01000001")
        by_decile = dict(
            session.execute(
                select(LsoaDeprivationRow.imd_decile, func.count()).group_by(
                    LsoaDeprivationRow.imd_decile
                )
            ).all()
        )
        people = session.scalar(select(func.sum(LsoaDeprivationRow.population)))
    assert first is not None
    assert (first.imd_score, first.imd_rank, first.imd_decile) == (6.208, 29199, 9)
    assert first.population == 1296
    assert sum(by_decile.values()) == 4835
    assert set(by_decile) == set(range(1, 11))
    assert 8_000_000 < int(people or 0) < 9_000_000  # London, mid-2015


def test_imd_refuses_a_file_that_is_not_the_workbook(database: Database, pas_file: Path) -> None:
    """A CSV handed to the IMD importer fails with one message."""
    with pytest.raises(InvalidInput, match="xlsx"):
        import_imd(database, pas_file)


def _raw_pas(path: Path) -> list[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_pas_values_match_the_raw_file(database: Database, pas_file: Path) -> None:
    """Every stored Trust MPS value for Lambeth equals the raw file's."""
    import_pas(database, pas_file)
    raw = {
        r["Date"]: float(r["Proportion"])
        for r in _raw_pas(pas_file)
        if r["Borough"] == "Lambeth" and r["Measure"] == "Trust MPS"
    }
    with database.sessions() as session:
        stored = dict(
            session.execute(
                select(PasResultRow.period_end, PasResultRow.proportion).where(
                    PasResultRow.borough_code == "E09000022", PasResultRow.measure == "Trust MPS"
                )
            ).all()
        )
    assert stored == raw
    assert len(raw) == 32  # Trust MPS starts 2016-03-31
