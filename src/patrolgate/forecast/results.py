"""Backtest result documents: figures with every setting that produced them, and their reading.

One JSON shape serves the command line (``patrolgate backtest --format json``), the
recorded backtests behind the map and the algorithm record, and the benchmark's committed
files under ``docs/results/``::

    {
      "schema": "patrolgate.backtest/2",
      "command": "...",                      # what produced it
      "data": {"digest": "...", "files": [{"path": ..., "sha256": ...}]},
      "settings": {"models": {name: params}, "categories": [...], "leading": [...],
                   "cell_size": 150.0, "window": "day", "refit": "month",
                   "coverage": 0.05, "levels": [0.01, 0.05], "from": ..., "to": ...,
                   "timezone": ..., "baseline": "naive"},
      "models": [ModelResult.as_dict(levels) + {"versus_baseline": {level: interval}}],
      "comparison": {"coverage": ..., "winner": ..., "margin": interval, "beats_baseline": ...}
    }

A model *beats the baseline* when the paired-bootstrap interval of its PAI minus the
baseline's, at the comparison's coverage, lies wholly above zero.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from patrolgate.forecast._errors import ForecastError
from patrolgate.forecast.backtest import BacktestResult

SCHEMA = "patrolgate.backtest/2"
#: The baseline every model is compared with: events per cell over three years.
BASELINE = "naive"
#: Coverage levels reported by default: the map's 1 % and the NIJ-style 5 %.
DEFAULT_LEVELS = (0.01, 0.05)


def data_digest(digests: Iterable[str]) -> str:
    """One SHA-256 over the digests of the data a result was computed from."""
    joined = "\n".join(sorted(digests)).encode()
    return hashlib.sha256(joined).hexdigest()


def _interval(result: BacktestResult, name: str, level: float, label: str | None = None) -> Any:
    interval = result.compare(name, BASELINE, coverage=level, label=label)
    return {
        "estimate": round(interval.estimate, 6),
        "low": round(interval.low, 6),
        "high": round(interval.high, 6),
        "level": interval.level,
    }


def result_document(
    result: BacktestResult,
    *,
    command: str,
    categories: Sequence[str] | str,
    cell_size: float,
    data: Mapping[str, Any],
    leading: Sequence[str] = (),
    levels: Sequence[float] = DEFAULT_LEVELS,
) -> dict[str, Any]:
    """The result document of ``result`` (see the module notes).

    Parameters
    ----------
    result : BacktestResult
    command : str
        The command that produced it, as a person would type it.
    categories : sequence of str or "all"
        The categories forecast and scored.
    cell_size : float
        Grid cell side in metres.
    data : mapping
        ``{"digest": ..., "files": [...]}`` or ``{"digest": ...}``: what was read.
    leading : sequence of str
        Categories given to the models as leading indicators.
    levels : sequence of float
        Coverage levels to report (each one of the backtest's scored levels).
    """
    chosen = sorted({*levels, result.coverage})
    body = result.as_dict(chosen)
    names = [m.name for m in result.models]
    for entry in body["models"]:
        if BASELINE in names and entry["name"] != BASELINE:
            entry["versus_baseline"] = {
                f"{c:g}": _interval(result, entry["name"], c) for c in chosen
            }
            if "shifts" in entry:
                entry["shift_versus_baseline"] = {
                    label: _interval(result, entry["name"], result.coverage, label)
                    for label in entry["shifts"]
                }
    settings = {
        "models": {m.name: body["models"][i]["params"] for i, m in enumerate(result.models)},
        "categories": categories if isinstance(categories, str) else sorted(categories),
        "leading": sorted(leading),
        "cell_size": float(cell_size),
        "window": result.window,
        "refit": result.refit,
        "coverage": result.coverage,
        "levels": chosen,
        "from": body["from"],
        "to": body["to"],
        "timezone": result.timezone,
        "baseline": BASELINE if BASELINE in names else None,
    }
    document = {
        "schema": SCHEMA,
        "command": command,
        "data": dict(data),
        "settings": settings,
        "period": {"from": body["from"], "to": body["to"]},
        "n_cells": body["n_cells"],
        "area_km2": body["area_km2"],
        "window_days": body["window_days"],
        "refit_days": body["refit_days"],
        "wall_seconds": body["wall_seconds"],
        "models": body["models"],
    }
    document["comparison"] = comparison(document, result.coverage)
    return document


def comparison(document: Mapping[str, Any], coverage: float) -> dict[str, Any]:
    """Which model won at ``coverage`` (highest PAI), by how much, and whether it beat counts.

    Returns ``{"coverage", "winner", "winner_pai", "baseline", "baseline_pai", "margin",
    "beats_baseline"}``; ``margin`` is the winner's paired-bootstrap interval over the
    baseline (``None`` when the baseline itself won or was not run).
    """
    key = f"{coverage:g}"
    scored: list[tuple[str, float, dict[str, Any]]] = []
    for m in document["models"]:
        pai = (m.get("levels", {}).get(key) or {}).get("pai")
        if pai is not None:
            scored.append((str(m["name"]), float(pai), m))
    if not scored:
        raise ForecastError(f"no model was scored at coverage {coverage:g}")
    name, pai, entry = max(scored, key=lambda item: item[1])
    baseline = next((p for n, p, _ in scored if n == BASELINE), None)
    margin = (entry.get("versus_baseline") or {}).get(key)
    beats = bool(name != BASELINE and margin is not None and margin["low"] > 0)
    return {
        "coverage": coverage,
        "winner": name,
        "winner_pai": pai,
        "baseline": BASELINE if baseline is not None else None,
        "baseline_pai": baseline,
        "margin": margin,
        "beats_baseline": beats,
    }


def why_sentence(document: Mapping[str, Any]) -> str:
    """The "why this model" statement, generated from the recorded comparison."""
    found = document.get("comparison") or {}
    if not found:
        return "No comparison is recorded, so the baseline (three-year counts) is shown."
    coverage = float(found["coverage"])
    winner = found["winner"]
    period = document.get("period", {})
    span = f"{str(period.get('from', ''))[:10]} to {str(period.get('to', ''))[:10]}"
    if winner == BASELINE or found.get("margin") is None:
        return (
            f"Three-year counts (the baseline) had the highest PAI at {coverage:.0%} coverage "
            f"over {span} ({found['winner_pai']:.2f}); no model beat it, so the map shows "
            "counts."
        )
    margin = found["margin"]
    gain = (
        f"PAI {found['winner_pai']:.2f} against {found['baseline_pai']:.2f} for three-year "
        f"counts, a gain of {margin['estimate']:+.2f} (95 % interval {margin['low']:+.2f} "
        f"to {margin['high']:+.2f})"
    )
    if found["beats_baseline"]:
        return (
            f"{winner} had the highest PAI at {coverage:.0%} coverage over {span}: {gain}. "
            "The interval lies above zero, so it is the model in use."
        )
    return (
        f"{winner} had the highest PAI at {coverage:.0%} coverage over {span} ({gain}), "
        "but the interval does not lie above zero: the model no longer beats the baseline, "
        "so the map shows counts."
    )


#: Tables :func:`markdown` renders from a result document.
TABLES = ("summary", "curve", "shifts", "speed")


def _pct(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{100 * value:.{digits}f} %"


def _pai(entry: Mapping[str, Any], level: str) -> str:
    figures = entry.get("levels", {}).get(level) or {}
    pai = figures.get("pai")
    if pai is None:
        return "—"
    versus = (entry.get("versus_baseline") or {}).get(level)
    if versus is None:
        return f"{pai:.2f} (baseline)" if entry["name"] == BASELINE else f"{pai:.2f}"
    return f"{pai:.2f} ({versus['estimate']:+.2f}; {versus['low']:+.2f} to {versus['high']:+.2f})"


def markdown(document: Mapping[str, Any], table: str) -> str:
    """A Markdown table of a result document, as the docs quote it (a test compares them).

    ``summary``: PAI at 1 % and 5 % with each model's gain over three-year counts and its
    95 % paired-bootstrap interval, the hit rate, the share of the best possible catch
    (PEI), PEI* and the seconds spent; ``curve``: hit rates from 0.1 % to 20 % coverage;
    ``shifts``: hit rate and PAI per policing shift at the document's coverage.
    """
    if table == "speed":
        lines = [
            "| model | the library's default | backtest seconds (fit and predict) | forecasts "
            "| peak memory of the processes so far |",
            "| --- | --- | --- | --- | --- |",
        ]
        for run in document["runs"]:
            lines.append(
                f"| {run['model']} | {'yes' if run['default'] else 'no'} "
                f"| {run['backtest_seconds']:.0f} | {run['forecasts']} "
                f"| {run['peak_memory_mb_so_far']} MB |"
            )
        return "\n".join(lines)
    models = document["models"]
    coverage = float(document["settings"]["coverage"])
    main = f"{coverage:g}"
    if table == "summary":
        lines = [
            "| model | PAI at 1 % (gain over counts; 95 % CI) | PAI at 5 % (gain; 95 % CI) "
            "| hit rate at 5 % | caught / catchable at 5 % (PEI) | PEI* at 5 % | seconds |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for entry in models:
            five = entry.get("levels", {}).get("0.05") or {}
            lines.append(
                f"| {entry['name']} | {_pai(entry, '0.01')} | {_pai(entry, '0.05')} "
                f"| {_pct(five.get('hit_rate'))} | {_pct(five.get('pei'))} "
                f"| {_pct(five.get('pei_star'), 2)} | {entry['seconds']:.0f} |"
            )
        return "\n".join(lines)
    if table == "curve":
        levels = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2)
        header = " | ".join(f"{100 * c:g} %" for c in levels)
        lines = [
            f"| model | {header} |",
            "| --- |" + " --- |" * len(levels),
        ]
        for entry in models:
            hits = {round(p["coverage"], 6): p["hit_rate"] for p in entry["coverage_curve"]}
            cells = " | ".join(_pct(hits.get(round(c, 6))) for c in levels)
            lines.append(f"| {entry['name']} | {cells} |")
        return "\n".join(lines)
    if table == "shifts":
        lines = [
            f"| shift | model | windows | events | hit rate at {coverage:.0%} "
            f"| PAI at {coverage:.0%} (gain over counts; 95 % CI) |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for shift in ("early", "late", "night"):
            for entry in models:
                figures = (entry.get("shifts") or {}).get(shift, {}).get(main)
                if figures is None:
                    continue
                versus = (entry.get("shift_versus_baseline") or {}).get(shift)
                gain = (
                    f" ({versus['estimate']:+.2f}; {versus['low']:+.2f} to {versus['high']:+.2f})"
                    if versus
                    else ""
                )
                lines.append(
                    f"| {shift} | {entry['name']} | {figures['windows']} "
                    f"| {figures['events']:.0f} | {_pct(figures['hit_rate'])} "
                    f"| {figures['pai']:.2f}{gain} |"
                )
        return "\n".join(lines)
    raise ForecastError(f"unknown table {table!r}; known: {', '.join(TABLES)}")


#: The time budget of a two-year daily backtest of the default model (issue 15's target).
DEFAULT_BUDGET_SECONDS = 60.0


def choose_default(
    document: Mapping[str, Any], budget_seconds: float = DEFAULT_BUDGET_SECONDS
) -> str:
    """The library's default model by a backtest: the highest PAI at the document's coverage
    among the models that beat three-year counts (interval above zero) and whose fitting
    and forecasting took no more than ``budget_seconds``; three-year counts if none does."""
    key = f"{float(document['settings']['coverage']):g}"
    eligible = [
        (float(m["levels"][key]["pai"]), m["name"])
        for m in document["models"]
        if m["name"] != BASELINE
        and float(m.get("seconds", 0.0)) <= budget_seconds
        and ((m.get("versus_baseline") or {}).get(key) or {}).get("low", 0.0) > 0
    ]
    return max(eligible)[1] if eligible else BASELINE
