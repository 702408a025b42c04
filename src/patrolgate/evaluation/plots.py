"""Pictures of an evaluation: a deployment's daily series, and the programme's forest plot."""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from patrolgate.evaluation.programme import ALL_PROFILES, ProgrammeEvaluation
from patrolgate.evaluation.results import DeploymentEvaluation


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    return pyplot


def _png(figure: Any, dpi: int) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    _pyplot().close(figure)
    return buffer.getvalue()


def series_png(evaluation: DeploymentEvaluation, *, dpi: int = 110) -> bytes:
    """Events per day in the area, its ring and its controls, with the windows shaded.

    Parameters
    ----------
    evaluation : DeploymentEvaluation
    dpi : int

    Returns
    -------
    bytes
        A PNG image.
    """
    plt = _pyplot()
    series = evaluation.series
    days = np.array(series["days"], dtype="datetime64[D]").astype("datetime64[s]").astype(object)
    figure, axes = plt.subplots(figsize=(9, 4))
    styles = {
        "target": ("deployment area", "#b2182b", 1.8),
        "buffer": (f"ring ({evaluation.buffer_km2:.1f} km²)", "#ef8a62", 1.0),
        "control": (f"controls (mean of {evaluation.n_controls})", "#2166ac", 1.4),
    }
    for key, (label, colour, width) in styles.items():
        # Days the records do not yet cover are None: drawn as a gap, never as zeros.
        values = np.array([np.nan if v is None else v for v in series[key]], dtype=float)
        axes.step(days, values, where="post", color=colour, linewidth=width, label=label)
    shades = {"before": "#dddddd", "during": "#fdb863", "after": "#d9f0d3"}
    for name, colour in shades.items():
        start, end = (np.datetime64(t, "s").astype(object) for t in series["windows"][name])
        axes.axvspan(
            start,
            end,
            color=colour,
            alpha=0.5 if name != "during" else 0.9,
            label=f"{name}",
            zorder=0,
        )
    axes.set_ylabel("events per day (UTC days)")
    axes.set_title(
        f"{evaluation.deployment_id} ({evaluation.profile}): {evaluation.verdict.value}",
        fontsize=10,
    )
    axes.legend(fontsize=8, loc="upper left", ncols=2)
    figure.autofmt_xdate()
    return _png(figure, dpi)


def forest_png(programme: ProgrammeEvaluation, *, dpi: int = 110) -> bytes:
    """Each deployment's relative change with its interval, and the pooled diamonds.

    Parameters
    ----------
    programme : ProgrammeEvaluation
    dpi : int

    Returns
    -------
    bytes
        A PNG image; changes are net of the controls, as a share of the events expected.
    """
    plt = _pyplot()
    rows: list[tuple[str, float, float, float, bool]] = []
    for deployment in programme.deployments:
        contrast = deployment.during
        if contrast is None or contrast.relative_change is None or not deployment.poolable:
            continue
        rows.append(
            (
                f"{deployment.deployment_id} ({deployment.profile})",
                contrast.relative_change,
                contrast.relative_lower or 0.0,
                contrast.relative_upper or 0.0,
                False,
            )
        )
    for effect in programme.effects:
        if effect.relative_change is None:
            continue
        label = (
            "pooled, all profiles"
            if effect.profile == ALL_PROFILES
            else (f"pooled, {effect.profile}")
        )
        rows.append(
            (
                f"{label} (n={effect.pooled})",
                effect.relative_change,
                effect.lower or 0.0,
                effect.upper or 0.0,
                True,
            )
        )
    height = max(2.5, 0.32 * len(rows) + 1.2)
    figure, axes = plt.subplots(figsize=(8, height))
    limit = 3.0  # intervals of tiny deployments run off the chart; the arrow says so
    for position, (_label, value, low, high, pooled) in enumerate(reversed(rows)):
        shown_low, shown_high = max(low, -1.0), min(high, limit)
        if pooled:
            axes.fill(
                [shown_low, value, shown_high, value],
                [position, position + 0.3, position, position - 0.3],
                color="#222222",
            )
        else:
            axes.plot([shown_low, shown_high], [position, position], color="#555555")
            axes.plot([value], [position], marker="s", color="#b2182b")
            if high > limit:
                axes.annotate("→", (limit, position), fontsize=8, va="center")
    axes.axvline(0.0, color="#888888", linestyle="--", linewidth=0.8)
    axes.set_yticks(range(len(rows)), [r[0] for r in reversed(rows)], fontsize=8)
    axes.set_xlim(-1.05, limit + 0.1)
    axes.set_xlabel("change in events net of controls, share of expected (−0.2 = 20% fewer)")
    title = "Deployments and pooled effect (DerSimonian–Laird, 95% CI)"
    if programme.unevaluated:
        title += (
            f"\n{len(programme.unevaluated)} ended deployment(s) could not be evaluated "
            "and are left out (see the JSON)"
        )
    axes.set_title(title, fontsize=10)
    return _png(figure, dpi)
