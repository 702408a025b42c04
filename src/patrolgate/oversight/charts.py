"""Trend charts as PNG: hours under exceptional powers and deployments per month, by profile."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from patrolgate.oversight.facts import Deployed


def month_starts(now: datetime, months: int, timezone: ZoneInfo) -> list[datetime]:
    """The first instants (local) of the ``months`` calendar months ending with ``now``'s."""
    local = now.astimezone(timezone)
    year, month = local.year, local.month
    starts = []
    for _ in range(months):
        starts.append(datetime(year, month, 1, tzinfo=timezone))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return sorted(starts)


def monthly_series(
    deployed: Sequence[Deployed],
    now: datetime,
    timezone: ZoneInfo,
    *,
    months: int = 12,
    borough: str | None = None,
) -> tuple[list[datetime], dict[str, list[float]], dict[str, list[int]]]:
    """Per month: hours under each profile and deployments started, up to ``now``."""
    starts = month_starts(now, months, timezone)
    bounds = [*starts[1:], (starts[-1] + timedelta(days=32)).replace(day=1)]
    chosen = [d for d in deployed if borough is None or borough in d.borough_codes]
    profiles = sorted({d.profile_name for d in chosen})
    hours = {p: [0.0] * months for p in profiles}
    counts = {p: [0] * months for p in profiles}
    for d in chosen:
        for i, (low, high) in enumerate(zip(starts, bounds, strict=True)):
            hours[d.profile_name][i] += d.hours_within(low, min(high, now))
            if low <= d.start < high:
                counts[d.profile_name][i] += 1
    return starts, hours, counts


def trend_png(
    deployed: Sequence[Deployed],
    now: datetime,
    timezone: ZoneInfo,
    *,
    months: int = 12,
    borough: str | None = None,
    title: str = "London",
) -> bytes:
    """Two panels: stacked hours per month by profile, and deployments started per month."""
    starts, hours, counts = monthly_series(deployed, now, timezone, months=months, borough=borough)
    # A Figure without pyplot keeps no global state, so web requests may draw at once.
    from matplotlib.figure import Figure

    labels = [s.strftime("%b %Y") for s in starts]
    positions = list(range(len(starts)))
    figure = Figure(figsize=(9, 6), dpi=100)
    top, bottom = figure.subplots(2, 1, sharex=True)
    base = [0.0] * len(starts)
    for profile, values in hours.items():
        top.bar(positions, values, bottom=base, label=profile)
        base = [b + v for b, v in zip(base, values, strict=True)]
    top.set_ylabel("hours under the power")
    top.set_title(f"Exceptional powers in use: {title}, {labels[0]} to {labels[-1]}")
    if hours:
        top.legend(loc="upper left", fontsize="small")
    else:
        top.text(0.5, 0.5, "no authorised deployment", ha="center", transform=top.transAxes)
    total = [sum(v[i] for v in counts.values()) for i in positions]
    bottom.bar(positions, total, color="#555555")
    bottom.set_ylabel("deployments started")
    bottom.set_xticks(positions, labels, rotation=45, ha="right", fontsize="small")
    bottom.yaxis.get_major_locator().set_params(integer=True)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
