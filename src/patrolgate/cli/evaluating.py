"""``patrolgate evaluate``: did a deployment, and does the programme, reduce harm?"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from patrolgate.cli.context import OutputFormat, console, open_database, print_json, settings_of
from patrolgate.errors import InvalidInput, NotFound
from patrolgate.evaluation import (
    DeploymentEvaluation,
    EvaluationDesign,
    ProgrammeEvaluation,
    Unevaluated,
    evaluate_programme,
)
from patrolgate.evaluation.plots import forest_png, series_png
from patrolgate.forecast import DEFAULT_MODEL, MODELS
from patrolgate.oversight.evaluations import (
    effective_end,
    evaluate_each,
    evaluate_stored,
    is_ended,
)
from patrolgate.store.evaluation_queries import authorised_deployments, load_deployment
from patrolgate.workflow.lifecycle import effective_state

__all__ = ["effective_end", "evaluate_command", "register"]


def register(app: typer.Typer) -> None:
    """Add the ``evaluate`` command."""
    app.command("evaluate")(evaluate_command)


def evaluate_command(
    ctx: typer.Context,
    deployment_id: Annotated[
        str | None, typer.Argument(help="The deployment to evaluate (omit with --programme).")
    ] = None,
    programme: Annotated[
        bool, typer.Option("--programme", help="Pool every ended deployment.")
    ] = False,
    profile: Annotated[
        list[str] | None,
        typer.Option("--profile", help="With --programme: only this profile (repeatable)."),
    ] = None,
    output_format: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
    png: Annotated[
        Path | None,
        typer.Option("--png", help="Write the series (or, with --programme, forest) plot."),
    ] = None,
    category: Annotated[
        str | None,
        typer.Option(
            "--category", help="Categories or all; default victim-reported serious violence."
        ),
    ] = None,
    before: Annotated[float, typer.Option("--before", help="Days before.")] = 28.0,
    after: Annotated[float, typer.Option("--after", help="Days after.")] = 28.0,
    buffer: Annotated[float, typer.Option("--buffer", help="Ring width in metres.")] = 400.0,
    controls: Annotated[int, typer.Option("--controls", help="Control areas.")] = 5,
    model: Annotated[
        str, typer.Option("--model", help=f"Forecast model ({', '.join(MODELS)}) or none.")
    ] = DEFAULT_MODEL,
) -> None:
    """Evaluate an ended deployment, or the programme, against matched control areas."""
    settings = settings_of(ctx)
    if programme == (deployment_id is not None):
        raise InvalidInput("give either a DEPLOYMENT_ID or --programme")
    if model != "none" and model not in MODELS:
        raise InvalidInput(f"unknown model {model!r}; known: {', '.join(MODELS)}, none")
    design = EvaluationDesign(
        before=timedelta(days=before),
        after=timedelta(days=after),
        buffer_m=buffer,
        n_controls=controls,
    )
    now = settings.clock_now()
    with open_database(settings) as database:
        if programme:
            chosen = [d for d in authorised_deployments(database, profile) if is_ended(d, now)]
        else:
            found = load_deployment(database, str(deployment_id))
            if found is None:
                raise NotFound(f"no deployment {deployment_id!r}")
            if not is_ended(found, now):
                state = effective_state(found, now)
                raise InvalidInput(
                    f"deployment {found.id} is {state.value}; it can be evaluated once ended"
                )
            chosen = [found]
        if not chosen:
            raise InvalidInput("no ended deployment to evaluate")
        if not programme:
            (result,) = evaluate_stored(
                database, settings, chosen, now, design=design, model=model, category=category
            )
            _report_deployment(result, output_format, png)
            return
        # One deployment that cannot be evaluated is reported, not fatal for the programme.
        results = evaluate_each(
            database, settings, chosen, now, design=design, model=model, category=category
        )
    evaluated = [r for r in results if isinstance(r, DeploymentEvaluation)]
    skipped = [r for r in results if isinstance(r, Unevaluated)]
    _report_programme(evaluate_programme(evaluated, unevaluated=skipped), output_format, png)


def _report_deployment(
    evaluation: DeploymentEvaluation, output_format: OutputFormat, png: Path | None
) -> None:
    if png is not None:
        png.write_bytes(series_png(evaluation))
    if output_format is OutputFormat.JSON:
        print_json(evaluation.to_dict())
        return
    console.print(
        f"[bold]{evaluation.deployment_id}[/] ({evaluation.profile}), "
        f"{evaluation.area_km2:.2f} km², ring {evaluation.buffer_km2:.2f} km², "
        f"{evaluation.n_controls} matched control area(s)",
        highlight=False,
    )
    table = Table("events", "before", "during", "after")
    for label, counts in (
        ("deployment area", evaluation.target),
        ("ring (displacement)", evaluation.buffer),
        ("controls (mean)", evaluation.control),
        ("control rings (mean)", evaluation.control_buffer),
    ):
        table.add_row(label, f"{counts.before:g}", f"{counts.during:g}", f"{counts.after:g}")
    console.print(table)
    for name in ("during", "after"):
        contrast = getattr(evaluation, name)
        if contrast is None:
            console.print(f"{name}: not available yet")
            continue
        low, high = contrast.wdd.interval
        wdq = "undefined" if contrast.wdq is None else f"{contrast.wdq:.2f}"
        console.print(
            f"{name}: WDD {contrast.wdd.estimate:+.2f} events (SE {contrast.wdd.se:.2f}, "
            f"95% CI {low:+.2f} to {high:+.2f}, z {contrast.wdd.z:.2f}, p "
            f"{contrast.wdd.p_value:.3f}; published Poisson SE {contrast.wdd.se_poisson:.2f}, "
            f"overdispersion ×{contrast.wdd.dispersion:.2f}); WDQ {wdq} ({contrast.wdq_meaning})",
            highlight=False,
        )
    if evaluation.forecast is not None:
        f = evaluation.forecast
        console.print(
            f"forecast ({f.model}): {f.expected:.2f} expected, {f.observed} observed, ratio "
            f"{f.ratio:.2f} (exact 95% CI {f.ratio_lower:.2f} to {f.ratio_upper:.2f}, "
            f"p {f.p_value:.3f})",
            highlight=False,
        )
    console.print(f"[bold]Verdict:[/] {evaluation.summary}", highlight=False)


def _report_programme(
    programme: ProgrammeEvaluation, output_format: OutputFormat, png: Path | None
) -> None:
    if png is not None:
        png.write_bytes(forest_png(programme))
    if output_format is OutputFormat.JSON:
        print_json(programme.to_dict())
        return
    table = Table("profile", "deployments", "pooled", "change", "95% CI", "net events", "verdict")
    for effect in programme.effects:
        change = "-" if effect.relative_change is None else f"{effect.relative_change:+.0%}"
        interval = (
            "-"
            if effect.lower is None or effect.upper is None
            else f"{effect.lower:+.0%} to {effect.upper:+.0%}"
        )
        net = "-" if effect.net_change is None else f"{effect.net_change:+.1f}"
        table.add_row(
            effect.profile,
            str(effect.deployments),
            str(effect.pooled),
            change,
            interval,
            net,
            effect.verdict.value,
        )
    console.print(table)
    for effect in programme.effects:
        console.print(f"{effect.profile}: {effect.summary}", highlight=False)
    for left_out in programme.unevaluated:
        console.print(
            f"not evaluated: {left_out.deployment_id} ({left_out.profile}): {left_out.reason}",
            highlight=False,
        )
