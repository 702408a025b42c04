"""Oversight pages: the public transparency report and algorithm record, MOPAC's dashboard.

``/transparency`` and ``/algorithm`` need no account: they are for the public. ``/oversight``
is for the oversight role only (e.g. MOPAC): it sees aggregates, notifications and patrol
tracking, never the intelligence or anyone's identity. Reading the dashboard writes nothing;
running the rarity monitor is a POST with the form's CSRF token, so its notifications are
recorded on purpose and on the audit trail.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

from patrolgate.accounts import Identity
from patrolgate.api.dependencies import IdentityDep, OptionalIdentityDep, ServicesDep
from patrolgate.api.services import Services
from patrolgate.audit import HeadSigner
from patrolgate.oversight import (
    DEFAULT_FEWER_THAN,
    algorithm_record,
    monitor,
    parse_month,
    record_breaches,
    transparency_csv,
    transparency_report,
)
from patrolgate.oversight.charts import trend_png
from patrolgate.oversight.dashboard import DASHBOARDS
from patrolgate.oversight.facts import load_deployed
from patrolgate.oversight.transparency import FIRST_YEAR
from patrolgate.policy import Role
from patrolgate.web.rendering import page
from patrolgate.workflow import NotAuthorised, audit_trail

router = APIRouter(include_in_schema=False)
Month = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")]


def _month_label(services: Services, month: str | None) -> str:
    if month:
        return month
    return services.clock().astimezone(services.settings.tz).strftime("%Y-%m")


def _report(services: Services, month: str | None) -> dict[str, Any]:
    period = parse_month(_month_label(services, month), services.settings.tz)
    return transparency_report(
        services.database,
        period,
        now=services.clock(),
        timezone=services.settings.tz,
        fewer_than=DEFAULT_FEWER_THAN,
    )


@router.get("/transparency")
def transparency_page(
    request: Request, services: ServicesDep, found: OptionalIdentityDep, month: Month = None
) -> Response:
    """The public monthly transparency report (no account needed)."""
    report = _report(services, month)
    signed = audit_trail.published_head(services.workflow, HeadSigner(services.settings.secret_key))
    year, number = (int(part) for part in report["month"].split("-"))
    previous = f"{year - (number == 1):04d}-{(number - 2) % 12 + 1:02d}"
    following = f"{year + (number == 12):04d}-{number % 12 + 1:02d}"
    return page(
        request,
        "oversight/transparency.html",
        found,
        report=report,
        signed_head=signed,
        previous_month=previous if year > FIRST_YEAR or number > 1 else None,
        # Only up to the current month: a month that has not begun has nothing to show.
        next_month=following if report["status"] == "ended" else None,
    )


@router.get("/transparency.csv")
def transparency_csv_file(services: ServicesDep, month: Month = None) -> Response:
    """The same report as CSV."""
    report = _report(services, month)
    return PlainTextResponse(
        transparency_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="transparency-{report["month"]}.csv"'
        },
    )


@router.get("/transparency.json")
def transparency_json(services: ServicesDep, month: Month = None) -> Response:
    """The same report as JSON."""
    return JSONResponse(_report(services, month))


@router.get("/algorithm")
def algorithm_page(request: Request, services: ServicesDep, found: OptionalIdentityDep) -> Response:
    """The public ATRS record of the forecasting tool (no account needed)."""
    record = algorithm_record(services.database, services.settings)
    return page(request, "oversight/algorithm.html", found, record=record)


def _oversight_only(found: Identity) -> None:
    if found.actor.role is not Role.OVERSIGHT:
        raise NotAuthorised(
            "the oversight dashboard is for the oversight role "
            f"(you are a {found.actor.describe()})"
        )


def _dashboard(services: Services) -> dict[str, Any]:
    return DASHBOARDS.dashboard(
        services.database, services.workflow, services.clock(), services.settings.tz
    )


@router.get("/oversight")
async def oversight_dashboard(
    request: Request, services: ServicesDep, found: IdentityDep
) -> Response:
    """MOPAC's view: rarity, notifications, tracking and community confidence."""
    _oversight_only(found)
    context = await run_in_threadpool(_dashboard, services)
    return page(request, "oversight/dashboard.html", found, **context)


@router.post("/oversight/monitor")
async def run_monitor(services: ServicesDep, found: IdentityDep) -> Response:
    """Run the rarity monitor and record new breaches as oversight notifications."""
    _oversight_only(found)

    def run() -> list[int]:
        return record_breaches(services.database, monitor(services.database, services.clock()))

    await run_in_threadpool(run)
    return RedirectResponse("/oversight#notifications", status_code=303)


@router.get("/oversight/trends.png")
async def trends_png(
    services: ServicesDep, found: IdentityDep, borough: str | None = None
) -> Response:
    """Hours under each power and deployments started per month, last 12 months (PNG)."""
    _oversight_only(found)
    now = services.clock()

    def draw() -> bytes:
        deployed = load_deployed(services.database, now)
        return trend_png(
            deployed, now, services.settings.tz, borough=borough, title=borough or "London"
        )

    image = await run_in_threadpool(draw)
    return Response(image, media_type="image/png")
