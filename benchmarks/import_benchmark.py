"""Import benchmark: 1,000,000 data.police.uk street-level rows into SQLite with area assignment.

Rows are generated from the real shipped files' value distributions: locations (with their
LSOA codes) drawn from real Met burglary and City of London records, crime types drawn from
the City of London mix, months across 2017-2018, and random Crime IDs (a tenth left blank,
as for anti-social behaviour, so content hashing is exercised too). The import runs in a
child process so that its peak memory is measured on its own; on SQLite a large file is
written by a writer process of its own (``patrolgate.store.sqlite_bulk_load``), whose peak
is added to the importer's.

The import runs three times (``BENCH_IMPORT_RUNS``), each into a fresh copy of the
database, after ``sync`` so that the kernel writing back the generated file does not compete
with it; each run and the median are printed. Run with ``make bench-import``. Prints rows
per second and peak memory; asserts nothing.
"""

from __future__ import annotations

import csv
import gzip
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "1000000"))
#: Imports of the same file, each into a fresh copy of the database with the boundaries.
RUNS = int(os.environ.get("BENCH_IMPORT_RUNS", "3"))
HEADER = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
]


def _real_rows() -> list[list[str]]:
    rows: list[list[str]] = []
    for folder in ("metropolitan-street-burglary", "city-of-london-street"):
        for path in sorted((DATA / "police-uk" / folder).glob("*.csv.gz")):
            with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
                reader = csv.reader(handle)
                next(reader)
                rows.extend(reader)
    return rows


def generate(path: Path, rows: int, seed: int = 20181130) -> None:
    """Write ``rows`` street-level rows drawn from the real files' distributions."""
    rng = np.random.default_rng(seed)
    real = _real_rows()
    located = [r for r in real if r[4] and r[5]]
    city_types = [r[9] for r in real if r[2] == "City of London Police"]
    places = rng.integers(0, len(located), rows)
    types = rng.integers(0, len(city_types), rows)
    months = [f"{y}-{m:02d}" for y in (2017, 2018) for m in range(1, 13)]
    month_index = rng.integers(0, len(months), rows)
    blank = rng.random(rows) < 0.1
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(rows):
            place = located[places[i]]
            writer.writerow(
                [
                    "" if blank[i] else secrets.token_hex(32),
                    months[month_index[i]],
                    "Metropolitan Police Service",
                    "Metropolitan Police Service",
                    place[4],
                    place[5],
                    place[6],
                    place[7],
                    place[8],
                    city_types[types[i]],
                    "",
                    "",
                ]
            )


CHILD = """
import resource, sys, time
from pathlib import Path
from patrolgate.events.police_uk import parse_police_uk
from patrolgate.ingest import AreaAssigner, store_parsed_file
from patrolgate.store import create_database
db = create_database(sys.argv[1]); db.migrate()
assigner = AreaAssigner(db)
began = time.perf_counter()
report = store_parsed_file(db, parse_police_uk(Path(sys.argv[2])), assigner)
seconds = time.perf_counter() - began
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
writer = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(report.rows_read, report.stored, report.already_stored, len(report.rejected), seconds,
      own, writer)
"""


def main() -> None:
    """Generate, set up boundaries, import in a child process, print the figures."""
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        csv_path = work / "street.csv"
        began = time.perf_counter()
        generate(csv_path, ROWS)
        print(
            f"generated {ROWS:,} rows in {time.perf_counter() - began:.1f} s "
            f"({csv_path.stat().st_size / 1e6:.0f} MB)"
        )
        url = f"sqlite:///{work / 'bench.db'}"
        env = {**os.environ, "PATROLGATE_HOME": str(work), "PATROLGATE_DATABASE_URL": url}
        boundaries = DATA / "london-boundaries"
        for name, level, code, label, parent in (
            ("london_boroughs.geojson.gz", "borough", "gss_code", "name", None),
            ("london_wards_2014.geojson.gz", "ward", "GSS_CODE", "NAME", "LB_GSS_CD"),
            ("london_lsoa_2011.geojson.gz", "lsoa", "LSOA11CD", "LSOA11NM", "LAD11CD"),
        ):
            command = [
                sys.executable,
                "-m",
                "patrolgate",
                "areas",
                "import",
                str(boundaries / name),
                "--level",
                level,
                "--code-field",
                code,
                "--name-field",
                label,
            ]
            if parent:
                command += ["--parent-field", parent]
            subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
        runs: list[tuple[float, float, float]] = []
        for run in range(1, RUNS + 1):
            database = work / f"run{run}.db"
            shutil.copyfile(work / "bench.db", database)
            # Events live in the event store beside the database (SQLite).
            shutil.copyfile(work / "bench.events.db", work / f"run{run}.events.db")
            # Write back the generated file and the earlier runs' databases first, so that
            # the kernel's flushing of them does not compete with this import for the disk.
            os.sync()
            child = subprocess.run(
                [sys.executable, "-c", CHILD, f"sqlite:///{database}", str(csv_path)],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            rows_read, stored, duplicates, rejected, seconds, own, writer = child.stdout.split()
            rate = int(rows_read) / float(seconds)
            print(
                f"run {run}: {int(rows_read):,} rows read, {int(stored):,} stored, "
                f"{int(duplicates):,} already stored, {int(rejected):,} rejected in "
                f"{float(seconds):.1f} s: {rate:,.0f} rows/s; peak memory importing process "
                f"{float(own):,.0f} MB + SQLite writer process {float(writer):,.0f} MB"
            )
            runs.append((rate, float(own), float(writer)))
            database.unlink()
            (work / f"run{run}.events.db").unlink()
        rates = sorted(rate for rate, _, _ in runs)
        total = max(own + writer for _, own, writer in runs)
        print(
            f"rows per second: median {median(rates):,.0f}, lowest {rates[0]:,.0f}, "
            f"highest {rates[-1]:,.0f} over {RUNS} runs  (target >= 100,000)"
        )
        print(
            f"peak memory: {total:,.0f} MB  (target < 1,024 MB): the importing process's peak "
            "and its writer's added, although they need not coincide"
        )


if __name__ == "__main__":
    main()
