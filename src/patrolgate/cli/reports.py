"""``patrolgate report ...``: transparency, algorithm record, exposure, community confidence."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from jinja2 import Environment, FileSystemLoader, select_autoescape
from rich.table import Table

from patrolgate.cli.context import console, open_database, print_json, settings_of
from patrolgate.errors import InvalidInput
from patrolgate.oversight import (
    DEFAULT_FEWER_THAN,
    community_confidence,
    parse_month,
    transparency_csv,
    transparency_report,
)
from patrolgate.settings import Settings

report_app = typer.Typer(
    help="Public and oversight reports: transparency, algorithm record, exposure, confidence.",
    no_args_is_help=True,
)
TEMPLATES = Path(__file__).resolve().parents[1] / "web" / "templates"


class ReportFormat(StrEnum):
    """Formats of the transparency report."""

    HTML = "html"
    CSV = "csv"
    JSON = "json"


class RecordFormat(StrEnum):
    """Formats of the algorithm record."""

    TEXT = "text"
    JSON = "json"


class TableFormat(StrEnum):
    """Human table or JSON."""

    TABLE = "table"
    JSON = "json"


def register(app: typer.Typer) -> None:
    """Add the ``report`` group."""
    app.add_typer(report_app, name="report")


def render_html(template: str, **context: Any) -> str:
    """A standalone HTML page from the oversight templates (the web pages share them)."""
    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"])
    )
    return environment.get_template(template).render(**context)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"written to {output}", highlight=False)


def _day(text: str, option: str, settings: Settings) -> datetime:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{option}: {text!r} is not a date (YYYY-MM-DD)") from None
    return datetime(day.year, day.month, day.day, tzinfo=settings.tz)


@report_app.command("transparency")
def transparency(
    ctx: typer.Context,
    month: Annotated[str, typer.Option("--month", help="The month, YYYY-MM (local time).")],
    output_format: Annotated[ReportFormat, typer.Option("--format")] = ReportFormat.HTML,
    fewer_than: Annotated[
        int,
        typer.Option(
            "--fewer-than", help="Withhold outcome counts from 1 to N-1 (and their complements)."
        ),
    ] = DEFAULT_FEWER_THAN,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write.")] = None,
) -> None:
    """The public monthly report per borough and power, with the audit chain head."""
    settings = settings_of(ctx)
    period = parse_month(month, settings.tz)
    with open_database(settings) as database:
        report = transparency_report(
            database, period, now=settings.clock_now(), timezone=settings.tz, fewer_than=fewer_than
        )
    if output_format is ReportFormat.JSON:
        _write(json.dumps(report, indent=2, ensure_ascii=False), output)
    elif output_format is ReportFormat.CSV:
        _write(transparency_csv(report), output)
    else:
        _write(render_html("oversight/transparency_file.html", report=report), output)
    head = report["audit_head"]
    if head is not None and (output is not None or output_format is not ReportFormat.JSON):
        sys.stderr.write(f"audit chain head {head['as_of']}: {head['seq']}:{head['hash']}\n")


def _record_text(record: dict[str, Any]) -> str:
    lines = [f"# {record['tier_1']['name']}", "", f"_{record['standard']}_", ""]

    def walk(value: Any, depth: int) -> None:
        indent = "  " * depth
        if isinstance(value, dict):
            for key, inner in value.items():
                if isinstance(inner, dict | list):
                    lines.append(f"{indent}- **{key.replace('_', ' ')}**:")
                    walk(inner, depth + 1)
                else:
                    lines.append(f"{indent}- **{key.replace('_', ' ')}**: {inner}")
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict | list):
                    lines.append(f"{indent}-")
                    walk(item, depth + 1)
                else:
                    lines.append(f"{indent}- {item}")

    for tier in ("tier_1", "tier_2"):
        lines += [f"## {tier.replace('_', ' ').title()}", ""]
        walk(record[tier], 0)
        lines.append("")
    lines.append(f"Generated {record['generated_at']} from the live configuration.")
    return "\n".join(lines)


@report_app.command("algorithm")
def algorithm(
    ctx: typer.Context,
    output_format: Annotated[RecordFormat, typer.Option("--format")] = RecordFormat.TEXT,
    backtest_file: Annotated[
        Path | None,
        typer.Option(
            "--record-backtest",
            help="Record a result of `patrolgate backtest --format json` first.",
        ),
    ] = None,
) -> None:
    """The ATRS record (tier 1 and tier 2) of the forecasting tool, from the live configuration."""
    from patrolgate.oversight.algorithm import algorithm_record, record_backtest  # SciPy

    settings = settings_of(ctx)
    document: dict[str, Any] | None = None
    if backtest_file is not None:
        try:
            document = json.loads(backtest_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InvalidInput(f"{backtest_file}: no such file") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise InvalidInput(f"{backtest_file}: not JSON ({error})") from None
        if not isinstance(document, dict):
            raise InvalidInput(f"{backtest_file}: not a backtest result")
    with open_database(settings) as database:
        if document is not None:
            record_backtest(database, document, settings.clock_now())
        record = algorithm_record(database, settings)
    if output_format is RecordFormat.JSON:
        print_json(record)
    else:
        sys.stdout.write(_record_text(record) + "\n")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


@report_app.command("exposure")
def exposure(
    ctx: typer.Context,
    start_day: Annotated[str, typer.Option("--from", help="First day (local), YYYY-MM-DD.")],
    end_day: Annotated[str, typer.Option("--to", help="Last day (local, inclusive).")],
    model: Annotated[
        str | None, typer.Option("--model", help="Forecast model (default: the library's).")
    ] = None,
    coverage: Annotated[
        float, typer.Option("--coverage", help="Share of the area in the top cells.")
    ] = 0.05,
    no_forecast: Annotated[
        bool, typer.Option("--no-forecast", help="Leave the forecast out (faster).")
    ] = False,
    output_format: Annotated[TableFormat, typer.Option("--format")] = TableFormat.TABLE,
) -> None:
    """Forecast top cells and deployment hours by IMD 2019 decile, against victim-reported harm."""
    from patrolgate.forecast import DEFAULT_MODEL  # SciPy: only here and in the algorithm record
    from patrolgate.oversight.exposure import exposure_report

    settings = settings_of(ctx)
    if not 0 < coverage <= 1:
        raise InvalidInput(f"--coverage must be in (0, 1], not {coverage}")
    start = _day(start_day, "--from", settings)
    end = _day(end_day, "--to", settings)
    end = end + timedelta(days=1)
    with open_database(settings) as database:
        report = exposure_report(
            database,
            start,
            end,
            now=settings.clock_now(),
            timezone=settings.timezone,
            cell_size=settings.cell_size,
            model=model or DEFAULT_MODEL,
            coverage=coverage,
            forecast=not no_forecast,
        )
    if output_format is TableFormat.JSON:
        print_json(report)
        return
    table = Table(
        "IMD decile",
        "LSOAs",
        "population",
        "harm (published)",
        "harm (events)",
        "forecast top cells",
        "deployment hours",
        "forecast ratio",
        "deployment ratio",
        title=f"Exposure by deprivation, {start_day} to {end_day} (decile 1 = most deprived); "
        f"ratio = share of attention / share of harm ({report['harm_measure']})",
    )
    for row in report["deciles"]:
        table.add_row(
            str(row["decile"]),
            str(row["lsoas"]),
            _pct(row["population_share"]),
            _pct(row["harm_counts_share"]),
            _pct(row["harm_events_share"]),
            _pct(row["forecast_area_share"]),
            _pct(row["deployment_hours_share"]),
            _ratio(row["forecast_exposure_ratio"]),
            _ratio(row["deployment_exposure_ratio"]),
        )
    console.print(table)
    fifth = report["most_deprived_fifth"]
    console.print(
        f"Most deprived fifth (deciles 1-2): {_pct(fifth['population_share'])} of people, "
        f"{_pct(fifth['harm_counts_share'])} of published harm, "
        f"{_pct(fifth['forecast_area_share'])} of forecast top cells (ratio "
        f"{_ratio(fifth['forecast_exposure_ratio'])}), {_pct(fifth['deployment_hours_share'])} "
        f"of deployment hours (ratio {_ratio(fifth['deployment_exposure_ratio'])}).",
        highlight=False,
    )


@report_app.command("confidence")
def confidence(
    ctx: typer.Context,
    start_day: Annotated[str, typer.Option("--from", help="First day (local), YYYY-MM-DD.")],
    end_day: Annotated[str, typer.Option("--to", help="Last day (local, inclusive).")],
    output_format: Annotated[TableFormat, typer.Option("--format")] = TableFormat.TABLE,
) -> None:
    """MOPAC PAS before and after, boroughs with and without deployments (association only)."""
    settings = settings_of(ctx)
    start = _day(start_day, "--from", settings)
    end = _day(end_day, "--to", settings) + timedelta(days=1)
    with open_database(settings) as database:
        report = community_confidence(database, start, end, now=settings.clock_now())
    if output_format is TableFormat.JSON:
        print_json(report)
        return
    table = Table(
        "measure",
        "boroughs",
        "with: before",
        "with: after",
        "with: change",
        "without: before",
        "without: after",
        "without: change",
        "difference",
        title=f"Community confidence (MOPAC PAS), {start_day} to {end_day}",
    )
    for entry in report["comparison"]:
        a, b = entry["with_deployments"], entry["without_deployments"]
        diff = entry["difference_in_change"]
        table.add_row(
            entry["words"],
            f"{a['boroughs']} / {b['boroughs']}",
            _pct(a["before"]),
            _pct(a["after"]),
            _signed(a["change"]),
            _pct(b["before"]),
            _pct(b["after"]),
            _signed(b["change"]),
            _signed(diff),
        )
    console.print(table)
    console.print(report["label"], highlight=False)


def _signed(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:+.1f} pts"
