"""Forecasting benchmark: accuracy, speed and memory of every model on Chicago and London.

Chicago: aggravated assaults 2010–2017, 150 m cells inside the police districts, daily
windows over 2016–2017 (730 forecasts), monthly refits. London: police.uk robbery points
(month-granular), 250 m cells inside the boroughs, calendar-month windows over
2019-02 to 2021-01. For every model: PAI at 5% coverage with the 95% paired-bootstrap
interval of its difference from NaiveCounts (3 years), PEI, PEI*, Brier, seconds per model
and per forecast. Peak memory of the whole run is printed at the end.

Run: ``.venv/bin/python benchmarks/forecast_benchmark.py [--workers N] [--only chicago]``.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import forecast_data
from patrolgate.forecast import (
    SEPP,
    Ensemble,
    Forecaster,
    NaiveCounts,
    ProspectiveHotspot,
    RetrospectiveKDE,
    Seasonal,
    backtest,
)
from patrolgate.forecast.backtest import MONTH, BacktestResult


def _models(timezone: str, window_days: float) -> dict[str, Forecaster]:
    return {
        "naive": NaiveCounts(lookback_days=1095.0),
        "kde": RetrospectiveKDE(),
        "prospective": ProspectiveHotspot(),
        "sepp": SEPP(),
        "seasonal": Seasonal(timezone=timezone),
        "ensemble": Ensemble(
            member_params={"seasonal": {"timezone": timezone}},
            window_days=window_days,
            random_state=0,
        ),
    }


def _report(title: str, result: BacktestResult) -> None:
    print(f"\n{title}")
    print(
        f"{result.n_cells} cells, {result.area_km2:.0f} km², {result.model('naive').n_forecasts} "
        f"forecasts, {result.model('naive').n_events:.0f} events, coverage {result.coverage:.0%}, "
        f"wall {result.wall_seconds:.1f} s"
    )
    header = (
        f"{'model':<12} {'PAI':>6} {'PAI − naive (95% CI)':>26} {'hit rate':>9} {'PEI':>6} "
        f"{'PEI*':>7} {'Brier':>9} {'seconds':>8} {'s/forecast':>10}"
    )
    print(header)
    print("-" * len(header))
    for model in result.models:
        if model.name == "naive":
            versus = "(baseline)"
        else:
            ci = result.compare(model.name, "naive")
            versus = f"{ci.estimate:+.3f} ({ci.low:+.3f}, {ci.high:+.3f})"
        print(
            f"{model.name:<12} {model.pai:6.3f} {versus:>26} {model.hit_rate:9.4f} "
            f"{model.pei:6.3f} {model.pei_star:7.4f} {model.brier:9.6f} {model.seconds:8.1f} "
            f"{model.seconds / model.n_forecasts:10.4f}"
        )
    for model in result.models:
        fitted = model.fitted[-1] if model.fitted else {}
        if "triggering" in fitted:
            t = fitted["triggering"]
            print(
                f"  {model.name} triggering at {fitted['fitted_at']}: {t['offspring']:.3f} "
                f"offspring per event, mean delay {t['mean_delay_days']:.1f} days, "
                f"spatial sd {t['distance_m']:.0f} m, {t['triggered_share']:.1%} of events "
                f"triggered"
            )
        if "weights" in fitted:
            weights = ", ".join(f"{k} {v:.2f}" for k, v in fitted["weights"].items())
            print(f"  {model.name} weights at {fitted['fitted_at']}: {weights}")


def _progress(label: str) -> Callable[[int, int], None]:
    def show(done: int, total: int) -> None:
        print(f"\r{label}: {done}/{total} tasks", end="" if done < total else "\n", flush=True)

    return show


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=None, help="Dask worker processes")
    parser.add_argument("--only", choices=("chicago", "london"), default=None)
    args = parser.parse_args()
    clock = time.perf_counter()

    if args.only in (None, "chicago"):
        events, grid = forecast_data.chicago(cell_size=150.0)
        print(f"Chicago: {len(events)} located events, {grid.n_cells} cells of 150 m")
        result = backtest(
            _models("America/Chicago", 1.0),
            events,
            grid,
            start="2016-01-01T06:00",  # local midnight in Chicago (CST, UTC-6)
            end="2018-01-01T06:00",
            window=1.0,
            refit=30.0,
            coverage=0.05,
            workers=args.workers,
            progress=_progress("chicago"),
        )
        _report("Chicago aggravated assaults, daily windows 2016–2017, refit every 30 days", result)

    if args.only in (None, "london"):
        events, grid = forecast_data.london(cell_size=250.0)
        print(f"\nLondon: {len(events)} robbery points (month-granular), {grid.n_cells} cells")
        result = backtest(
            _models("Europe/London", 30.0),
            events,
            grid,
            start="2019-02-01",
            end="2021-02-01",
            window=MONTH,
            refit=28.0,
            coverage=0.05,
            timezone="Europe/London",
            workers=args.workers,
            progress=_progress("london"),
        )
        _report("London robbery (police.uk), calendar-month windows 2019-02 to 2021-01", result)

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"\npeak memory: {own:.0f} MB in this process, {children:.0f} MB in the largest worker; "
        f"total time {time.perf_counter() - clock:.0f} s"
    )


if __name__ == "__main__":
    main()
