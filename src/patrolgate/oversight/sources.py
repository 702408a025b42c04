"""Importing MOPAC's Public Attitude Survey (borough CSV) and the IMD 2019 for London LSOAs.

Both replace what is stored for the keys they carry, so importing a newer vintage updates
figures instead of adding duplicates; importing the same file twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

from patrolgate.errors import InvalidInput
from patrolgate.events.ranges import parse_number
from patrolgate.events.source_file import open_csv
from patrolgate.geo.areas import normalise_name
from patrolgate.store import Database
from patrolgate.store.oversight_tables import LsoaDeprivationRow, PasResultRow

#: ONS codes of the London boroughs, so survey results import before any boundaries do.
LONDON_BOROUGHS: dict[str, str] = {
    "City of London": "E09000001",
    "Barking and Dagenham": "E09000002",
    "Barnet": "E09000003",
    "Bexley": "E09000004",
    "Brent": "E09000005",
    "Bromley": "E09000006",
    "Camden": "E09000007",
    "Croydon": "E09000008",
    "Ealing": "E09000009",
    "Enfield": "E09000010",
    "Greenwich": "E09000011",
    "Hackney": "E09000012",
    "Hammersmith and Fulham": "E09000013",
    "Haringey": "E09000014",
    "Harrow": "E09000015",
    "Havering": "E09000016",
    "Hillingdon": "E09000017",
    "Hounslow": "E09000018",
    "Islington": "E09000019",
    "Kensington and Chelsea": "E09000020",
    "Kingston upon Thames": "E09000021",
    "Lambeth": "E09000022",
    "Lewisham": "E09000023",
    "Merton": "E09000024",
    "Newham": "E09000025",
    "Redbridge": "E09000026",
    "Richmond upon Thames": "E09000027",
    "Southwark": "E09000028",
    "Sutton": "E09000029",
    "Tower Hamlets": "E09000030",
    "Waltham Forest": "E09000031",
    "Wandsworth": "E09000032",
    "Westminster": "E09000033",
}
_ALIASES = {"city of westminster": "Westminster"}
_BY_KEY = {normalise_name(name): name for name in LONDON_BOROUGHS}

#: The survey measures PatrolGate shows, by the names MOPAC's dashboard uses.
TRUST = "Trust MPS"
FAIR = "Treat everyone fairly"
CONFIDENCE = '"Good Job" local'
KEY_MEASURES = (TRUST, FAIR, CONFIDENCE)

PAS_COLUMNS = ("Date", "Borough", "Measure", "Proportion")


def borough_of(name: str) -> tuple[str, str]:
    """A London borough's canonical name and code from any spelling MOPAC used."""
    key = normalise_name(name)
    canonical = _ALIASES.get(key) or _BY_KEY.get(key)
    if canonical is None:
        raise KeyError(name)
    return canonical, LONDON_BOROUGHS[canonical]


@dataclass
class SourceReport:
    """What an import read, stored and rejected."""

    path: str
    rows_read: int = 0
    stored: int = 0
    rejected: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "path": self.path,
            "rows_read": self.rows_read,
            "stored": self.stored,
            "rejected": len(self.rejected),
            "problems": self.rejected[:20],
        }


def _proportion(text: str) -> float:
    number = parse_number(text.strip().replace(",", "."))
    if number is None:
        raise ValueError(f"{text.strip()!r} is not a number")
    value = number
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{value} is not a proportion between 0 and 1")
    return value


def import_pas(database: Database, path: Path) -> SourceReport:
    """Import MOPAC PAS borough results (Date, Borough, Measure, Proportion[, MPS_proportion])."""
    stream = open_csv(path, required=PAS_COLUMNS, what="MOPAC Public Attitude Survey borough")
    col = {name: stream.column(name) for name in PAS_COLUMNS}
    london = stream.column("MPS_proportion") if "MPS_proportion" in stream.header else None
    report = SourceReport(str(path))
    found: dict[tuple[str, str, str], PasResultRow] = {}
    for chunk in stream.numbered_rows(10_000):
        for line, record in chunk:
            try:
                name, code = borough_of(record[col["Borough"]])
                period = date.fromisoformat(record[col["Date"]].strip()).isoformat()
                measure = record[col["Measure"]].strip()
                if not measure:
                    raise ValueError("the measure is empty")
                value = _proportion(record[col["Proportion"]])
                mps = record[london].strip() if london is not None else ""
                mps_value = _proportion(mps) if mps else None
            except KeyError as error:
                report.rejected.append(f"{path}:{line}: Borough: not a London borough {error}")
                continue
            except (ValueError, IndexError) as error:
                report.rejected.append(f"{path}:{line}: {error}")
                continue
            key = (code, period, measure)
            earlier = found.get(key)
            if earlier is not None and earlier.proportion != value:
                report.rejected.append(
                    f"{path}:{line}: {name} {period} {measure}: a second, different value "
                    f"({value} against {earlier.proportion})"
                )
                continue
            found[key] = PasResultRow(
                borough_code=code,
                borough_name=name,
                period_end=period,
                measure=measure,
                proportion=value,
                london_proportion=mps_value,
            )
        report.rows_read += len(chunk)
    if not found:
        raise InvalidInput(f"{path}: no usable survey row ({len(report.rejected)} rejected)")
    with database.transaction() as session:
        for period in sorted({k[1] for k in found}):
            session.execute(delete(PasResultRow).where(PasResultRow.period_end == period))
        session.add_all(found.values())
    report.stored = len(found)
    return report


IMD_SHEET = "IMD 2019"
POPULATION_SHEET = "Population figures"
_IMD_COLUMNS = {
    "code": "LSOA code (2011)",
    "name": "LSOA name (2011)",
    "district_code": "Local Authority District code (2019)",
    "district_name": "Local Authority District name (2019)",
    "score": "Index of Multiple Deprivation (IMD) Score",
    "rank": "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",
    "decile": "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)",
}
_POPULATION_COLUMN = "Total population: mid 2015 (excluding prisoners)"


def _sheet_rows(path: Path, sheet: str) -> list[tuple[Any, ...]]:
    from openpyxl import load_workbook  # only this importer needs it

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not xlsx
        raise InvalidInput(f"{path}: not a readable .xlsx workbook ({error})") from error
    try:
        if sheet not in workbook.sheetnames:
            raise InvalidInput(
                f"{path}: no sheet {sheet!r} (found: {', '.join(workbook.sheetnames)})"
            )
        worksheet = workbook[sheet]
        worksheet.reset_dimensions()  # the file's own dimension record says one cell
        return list(worksheet.iter_rows(values_only=True))
    finally:
        workbook.close()


def _header_index(path: Path, header: tuple[Any, ...], wanted: dict[str, str]) -> dict[str, int]:
    names = [str(h).strip() if h is not None else "" for h in header]
    missing = [column for column in wanted.values() if column not in names]
    if missing:
        raise InvalidInput(f"{path}: not the IMD 2019 London file: missing {', '.join(missing)}")
    return {key: names.index(column) for key, column in wanted.items()}


def import_imd(database: Database, path: Path) -> SourceReport:
    """Import the English Indices of Deprivation 2019 for London LSOAs (GLA workbook)."""
    rows = _sheet_rows(path, IMD_SHEET)
    if not rows:
        raise InvalidInput(f"{path}: the sheet {IMD_SHEET!r} is empty")
    index = _header_index(path, rows[0], _IMD_COLUMNS)
    population: dict[str, int] = {}
    try:
        people = _sheet_rows(path, POPULATION_SHEET)
    except InvalidInput:
        people = []
    if people:
        at = _header_index(path, people[0], {"code": _IMD_COLUMNS["code"], "n": _POPULATION_COLUMN})
        population = {
            str(r[at["code"]]): int(r[at["n"]]) for r in people[1:] if isinstance(r[at["n"]], int)
        }
    report = SourceReport(str(path))
    found: list[LsoaDeprivationRow] = []
    for line, record in enumerate(rows[1:], start=2):
        if all(v is None for v in record):
            continue
        report.rows_read += 1
        try:
            code = str(record[index["code"]]).strip()
            decile = int(record[index["decile"]])
            if not code.startswith("E01") or not 1 <= decile <= 10:
                raise ValueError(f"code {code!r} or decile {decile} out of range")
            found.append(
                LsoaDeprivationRow(
                    lsoa_code=code,
                    lsoa_name=str(record[index["name"]]),
                    district_code=str(record[index["district_code"]]),
                    district_name=str(record[index["district_name"]]),
                    imd_score=float(record[index["score"]]),
                    imd_rank=int(record[index["rank"]]),
                    imd_decile=decile,
                    population=population.get(code),
                )
            )
        except (TypeError, ValueError) as error:
            report.rejected.append(f"{path}:{IMD_SHEET}:{line}: {error}")
    if not found:
        raise InvalidInput(f"{path}: no usable LSOA row")
    with database.transaction() as session:
        codes = [r.lsoa_code for r in found]
        for begin in range(0, len(codes), 500):
            session.execute(
                delete(LsoaDeprivationRow).where(
                    LsoaDeprivationRow.lsoa_code.in_(codes[begin : begin + 500])
                )
            )
        session.add_all(found)
    report.stored = len(found)
    return report


def deprivation_deciles(database: Database) -> dict[str, tuple[int, int | None]]:
    """Each stored LSOA's IMD decile and population."""
    with database.sessions() as session:
        rows = session.execute(
            select(
                LsoaDeprivationRow.lsoa_code,
                LsoaDeprivationRow.imd_decile,
                LsoaDeprivationRow.population,
            )
        ).all()
    return {str(c): (int(d), p) for c, d, p in rows}
