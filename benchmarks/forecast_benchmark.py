"""Forecasting benchmark: writes docs/results/*.json and prints the tables the docs quote.

Settings were chosen on Chicago 2010–2015 only (the ``validation`` run: daily windows of
2015, every model fitted on what was known before each month); 2016–2017 is the test,
reported once with those settings:

- ``chicago``: aggravated assaults, 150 m cells inside the police districts, local days
  2016-01-01 to 2017-12-31, refits each calendar month; PAI at 1 % and 5 % with paired
  bootstrap intervals over three-year counts, PEI, PEI*, the coverage curve 0.1 %–20 %;
- ``shifts``: the same on the three policing shifts (07–15, 15–23, 23–07 local) of 2017;
- ``london``: police.uk robbery points (month-granular), weapons possession as a leading
  indicator, 250 m cells inside the boroughs, calendar months 2019-02 to 2021-01;
- ``rhythm-validation``: the place-type rhythm's settings against the variants tried, on
  Chicago's daily windows of 2014 and 2015 (each forecast from what was known before its
  month), the run that chose them;
- ``speed``: the default model alone over the two Chicago years, in a fresh process: wall
  time (fit and predict together) and peak memory.

Run: ``make bench-forecast`` or ``.venv/bin/python benchmarks/forecast_benchmark.py
[--only NAME ...] [--workers N]``. Figures were measured on a shared 2-core machine.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import forecast_data
from patrolgate.forecast import DEFAULT_MODEL, Forecaster, backtest, make_model
from patrolgate.forecast.results import data_digest, markdown, result_document

RESULTS = Path(__file__).resolve().parents[1] / "docs" / "results"
REPOSITORY = Path(__file__).resolve().parents[1]
CHICAGO_ZONE = "America/Chicago"
LONDON_ZONE = "Europe/London"
#: Local midnight in Chicago (CST, UTC-6) at the start and end of each period.
TEST = ("2016-01-01T06:00", "2018-01-01T06:00")
SHIFT_TEST = ("2017-01-01T06:00", "2018-01-01T06:00")
VALIDATION = ("2015-01-01T06:00", "2016-01-01T06:00")
RHYTHM_VALIDATION = ("2014-01-01T06:00", "2016-01-01T06:00")
#: The place-type rhythm's variants tried on 2014–2015 (the defaults were kept).
RHYTHM_VARIANTS: dict[str, dict[str, Any]] = {
    "rhythm": {},
    "rhythm recent_share=0.05": {"recent_share": 0.05},
    "rhythm recent_share=0.15": {"recent_share": 0.15},
    "rhythm recent_share=0": {"recent_share": 0.0},
    "rhythm recent_days=7": {"recent_days": 7.0},
    "rhythm recent_days=30": {"recent_days": 30.0},
    "rhythm shrinkage=30": {"shrinkage": 30.0},
    "rhythm shrinkage=300": {"shrinkage": 300.0},
    "rhythm season_days=14": {"season_days": 14.0},
    "rhythm recent_bandwidth=100": {"recent_bandwidth": 100.0},
}
#: The learned ranker's settings beyond its defaults (which were chosen on 2015).
LEARNED: dict[str, Any] = {"random_state": 0}


def _models(timezone: str, window_days: float, *, learned: bool = True) -> dict[str, Forecaster]:
    models = {
        name: make_model(name, timezone=timezone)
        for name in ("naive", "kde", "prospective", "sepp", "seasonal", "rhythm")
    }
    models["ensemble"] = make_model(
        "ensemble", timezone=timezone, window_days=window_days, random_state=0
    )
    if learned:
        models["learned"] = make_model(
            "learned", timezone=timezone, window_days=window_days, **LEARNED
        )
    return models


def _files(*paths: Path) -> dict[str, Any]:
    files = [
        {
            "path": str(path.relative_to(REPOSITORY)),
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        }
        for path in paths
    ]
    return {"digest": data_digest(f["sha256"] for f in files), "files": files}


def _progress(label: str) -> Callable[[int, int], None]:
    started = time.perf_counter()

    def show(done: int, total: int) -> None:
        elapsed = time.perf_counter() - started
        print(
            f"\r{label}: {done}/{total} tasks, {elapsed:.0f} s",
            end="" if done < total else "\n",
            flush=True,
        )

    return show


def _write(name: str, document: dict[str, Any], tables: tuple[str, ...]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / f"{name}.json"
    target.write_text(json.dumps(document, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(f"\n{name} → {target.relative_to(REPOSITORY)}")
    for table in tables:
        print(markdown(document, table))
        print()
    found = document["comparison"]
    print(
        f"winner at {found['coverage']:.0%}: {found['winner']} "
        f"(beats three-year counts: {found['beats_baseline']})"
    )


def chicago(workers: int | None, *, which: str) -> None:
    """The Chicago daily test (``chicago``), shifts (``shifts``) or validation run."""
    events, grid = forecast_data.chicago(cell_size=150.0)
    files = _files(forecast_data.CHICAGO_EVENTS, forecast_data.CHICAGO_DISTRICTS)
    period, window, window_days = {
        "chicago": (TEST, "day", 1.0),
        "shifts": (SHIFT_TEST, "shift", 1 / 3),
        "validation": (VALIDATION, "day", 1.0),
    }[which]
    models = _models(CHICAGO_ZONE, window_days)
    if which == "shifts":
        models = {
            k: v
            for k, v in models.items()
            if k in ("naive", "sepp", "seasonal", "rhythm", "learned")
        }
    print(f"Chicago {which}: {len(events)} located events, {grid.n_cells} cells of 150 m")
    result = backtest(
        models,
        events,
        grid,
        start=period[0],
        end=period[1],
        window=window,
        refit="month",
        coverage=0.05,
        timezone=CHICAGO_ZONE,
        workers=workers,
        progress=_progress(f"chicago {which}"),
    )
    command = f"make bench-forecast ({which})"
    document = result_document(
        result,
        command=command,
        categories=["violence-with-injury"],
        cell_size=150.0,
        data=files,
        levels=(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2),
    )
    name = {
        "chicago": "chicago-2016-2017-daily",
        "shifts": "chicago-2017-shifts",
        "validation": "chicago-2015-validation",
    }[which]
    tables = ("summary", "curve", "shifts") if which == "shifts" else ("summary", "curve")
    _write(name, document, tables)


def rhythm_validation(workers: int | None) -> None:
    """The run that chose the place-type rhythm's settings: variants on 2014–2015 only."""
    events, grid = forecast_data.chicago(cell_size=150.0)
    files = _files(forecast_data.CHICAGO_EVENTS, forecast_data.CHICAGO_DISTRICTS)
    models: dict[str, Forecaster] = {"naive": make_model("naive"), "kde": make_model("kde")}
    models.update(
        {
            label: make_model("rhythm", timezone=CHICAGO_ZONE, **params)
            for label, params in RHYTHM_VARIANTS.items()
        }
    )
    result = backtest(
        models,
        events,
        grid,
        start=RHYTHM_VALIDATION[0],
        end=RHYTHM_VALIDATION[1],
        window="day",
        refit="month",
        coverage=0.05,
        timezone=CHICAGO_ZONE,
        workers=workers,
        progress=_progress("rhythm validation"),
    )
    document = result_document(
        result,
        command="make bench-forecast (rhythm-validation)",
        categories=["violence-with-injury"],
        cell_size=150.0,
        data=files,
        levels=(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2),
    )
    _write("chicago-2014-2015-rhythm-validation", document, ("summary",))


def london(workers: int | None) -> None:
    """London robbery, weapons possession as the leading indicator, calendar months."""
    robbery, grid = forecast_data.london(cell_size=250.0, crime_type="Robbery")
    weapons, _ = forecast_data.london(cell_size=250.0, crime_type="Possession of weapons")
    files = _files(forecast_data.LONDON_POINTS, forecast_data.LONDON_BOROUGHS)
    print(f"London: {len(robbery)} robbery and {len(weapons)} weapons points, {grid.n_cells} cells")
    result = backtest(
        _models(LONDON_ZONE, 30.0),
        robbery,
        grid,
        start="2019-02-01",
        end="2021-02-01",
        window="month",
        refit="month",
        coverage=0.05,
        timezone=LONDON_ZONE,
        leading=weapons,
        workers=workers,
        progress=_progress("london"),
    )
    document = result_document(
        result,
        command="make bench-forecast (london)",
        categories=["robbery"],
        cell_size=250.0,
        data=files,
        leading=["weapons-possession"],
        levels=(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2),
    )
    _write("london-2019-2021-monthly", document, ("summary", "curve"))


def speed_child(name: str) -> None:
    """One model alone over two Chicago years (run in a fresh process by ``speed``)."""
    events, grid = forecast_data.chicago(cell_size=150.0)
    params = LEARNED if name == "learned" else {}
    model = make_model(name, timezone=CHICAGO_ZONE, **params)
    clock = time.perf_counter()
    result = backtest(
        {name: model},
        events,
        grid,
        start=TEST[0],
        end=TEST[1],
        window="day",
        refit="month",
        coverage=0.05,
        timezone=CHICAGO_ZONE,
        progress=_progress(f"speed ({name})"),
    )
    print(
        json.dumps(
            {
                "seconds": round(time.perf_counter() - clock, 1),
                "forecasts": result.model(name).n_forecasts,
            }
        )
    )


def speed() -> None:
    """Wall time and peak memory of a two-year daily backtest of the default model and of the
    learned ranker, each alone in a fresh process."""
    runs = []
    for name in dict.fromkeys((DEFAULT_MODEL, "sepp", "learned")):
        clock = time.perf_counter()
        found = subprocess.run(
            [sys.executable, __file__, "--only", "speed-child", "--model", name],
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        wall = time.perf_counter() - clock
        inner = json.loads(found.stdout.strip().splitlines()[-1])
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        runs.append(
            {
                "model": name,
                "default": name == DEFAULT_MODEL,
                "backtest_seconds": inner["seconds"],
                "forecasts": inner["forecasts"],
                "process_seconds": round(wall, 1),
                "peak_memory_mb_so_far": round(peak_mb),
            }
        )
        print(
            f"\nspeed: {name} backtested two years of daily windows in {inner['seconds']} s "
            f"(process {wall:.0f} s); peak memory of the children so far {peak_mb:.0f} MB"
        )
    document = {
        "schema": "patrolgate.speed/1",
        "command": "make bench-forecast (speed)",
        "settings": {"window": "day", "refit": "month", "cell_size": 150.0, "from": TEST[0]},
        "runs": runs,
        "machine": "a shared 2-core machine (other work running)",
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "chicago-speed.json").write_text(
        json.dumps(document, indent=1) + "\n", encoding="utf-8"
    )


BLOCK = re.compile(
    r"(<!-- result (?P<file>\S+) (?P<table>\w+) -->\n)(?P<body>.*?)(\n?<!-- end result -->)", re.S
)


def update_docs() -> None:
    """Rewrite every quoted result block in README.md and docs/ from its result file."""
    for path in [REPOSITORY / "README.md", *sorted((REPOSITORY / "docs").rglob("*.md"))]:
        text = path.read_text(encoding="utf-8")

        def render(match: re.Match[str]) -> str:
            source = REPOSITORY / match["file"]
            if not source.exists():
                return match.group(0)
            document = json.loads(source.read_text(encoding="utf-8"))
            return f"{match.group(1)}{markdown(document, match['table'])}\n<!-- end result -->"

        updated = BLOCK.sub(render, text)
        if updated != text:
            path.write_text(updated, encoding="utf-8")
            print(f"updated the quoted results in {path.relative_to(REPOSITORY)}")


def main() -> None:
    """Run the chosen parts (all but the validation run by default)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=None, help="Dask worker processes")
    parser.add_argument("--model", default=DEFAULT_MODEL, help="the model of speed-child")
    parser.add_argument(
        "--only",
        action="append",
        choices=(
            "chicago",
            "shifts",
            "london",
            "speed",
            "validation",
            "rhythm-validation",
            "speed-child",
            "docs",
        ),
        default=None,
    )
    args = parser.parse_args()
    chosen = args.only or ["rhythm-validation", "chicago", "shifts", "london", "speed"]
    clock = time.perf_counter()
    for part in chosen:
        if part in ("chicago", "shifts", "validation"):
            chicago(args.workers, which=part)
        elif part == "rhythm-validation":
            rhythm_validation(args.workers)
        elif part == "london":
            london(args.workers)
        elif part == "speed":
            speed()
        elif part == "speed-child":
            speed_child(args.model)
    if "speed-child" not in chosen:
        update_docs()
    if "speed-child" not in chosen:
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"\npeak memory of this process: {own:.0f} MB; "
            f"total time {time.perf_counter() - clock:.0f} s"
        )


if __name__ == "__main__":
    main()
