"""``POST /api/v1/events``: the live feed, for a ``feed`` account's API token.

A batch of up to 10,000 events, as JSON (``{"events": [{"id", "time", "lat", "lon",
"category"}]}``, each with an optional ``place_type``) or as CSV (``Content-Type: text/csv``,
header ``id,time,lat,lon,category``, optionally ``place_type``),
goes through the generic importer's allow-list, checks, row messages and accounting
(:mod:`patrolgate.ingest.feed`); ids are the feed's own, so a batch sent again stores
nothing twice. New events make the map's picture fit again, once the feed has been quiet
for a few seconds.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from patrolgate.api.dependencies import IdentityDep, ServicesDep
from patrolgate.api.schemas import PROBLEM_RESPONSES
from patrolgate.errors import InvalidInput, Refused
from patrolgate.ingest.event_import import ImportReport
from patrolgate.ingest.feed import MAX_BATCH, FeedIntake
from patrolgate.policy import Role

router = APIRouter(prefix="/api/v1", tags=["events"], responses=PROBLEM_RESPONSES)
#: The largest body a batch may have (10,000 rows of about 200 bytes, with room to spare).
MAX_BODY = 4_000_000


class FeedEvent(BaseModel):
    """One event of a feed batch: the fields the feed keeps, nothing else."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=60, description="The records system's own id")
    time: str = Field(
        min_length=1,
        max_length=40,
        description="ISO 8601 time; with its UTC offset, or local time in the service's zone",
    )
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False, description="WGS84 latitude")
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False, description="WGS84 longitude")
    category: str = Field(min_length=1, max_length=200, description="The offence or category")
    place_type: str | None = Field(
        default=None,
        max_length=200,
        description="The kind of place, from a closed list (street, residence, education, "
        "open space, ...: patrolgate.events.place_types); any other value rejects the row",
    )


class FeedBatch(BaseModel):
    """A batch of events."""

    model_config = ConfigDict(extra="forbid")

    events: list[FeedEvent] = Field(min_length=1, max_length=MAX_BATCH)


class RowProblem(BaseModel):
    """A row of the batch that was rejected or conflicts, and why."""

    row: int = Field(description="CSV line (the header is line 1); for JSON, index + 2")
    field: str
    reason: str


class FeedReport(BaseModel):
    """Every row of the batch accounted for: received = stored + already stored +
    conflicting + rejected."""

    received: int
    stored: int
    already_stored: int
    conflicting: int
    rejected: int
    problems: list[RowProblem]
    warnings: list[str]


def _report(report: ImportReport) -> FeedReport:
    problems = sorted([*report.rejected, *report.conflicts], key=lambda e: e.row)
    return FeedReport(
        received=report.rows_read,
        stored=report.stored,
        already_stored=report.already_stored,
        conflicting=report.conflicting,
        rejected=len(report.rejected),
        problems=[RowProblem(row=p.row, field=p.field, reason=p.reason) for p in problems],
        warnings=report.warnings,
    )


def _intake(request: Request) -> FeedIntake:
    """The process's feed intake, made on first use."""
    state = request.app.state
    if getattr(state, "feed_intake", None) is None:
        services = state.services
        state.feed_intake = FeedIntake(services.database, services.settings.timezone)
    intake: FeedIntake = state.feed_intake
    return intake


@router.post(
    "/events",
    summary="Feed events (a batch of up to 10,000, JSON or CSV)",
    response_model=FeedReport,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": FeedBatch.model_json_schema()},
                "text/csv": {
                    "schema": {"type": "string", "maxLength": MAX_BODY},
                    "example": "id,time,lat,lon,category\nR1,2026-06-01T22:10+01:00,"
                    "51.4613,-0.1156,Robbery\n",
                },
            },
        }
    },
)
async def post_events(request: Request, services: ServicesDep, identity: IdentityDep) -> FeedReport:
    """A ``feed`` account's token posts recorded events; the answer accounts for every row."""
    if identity.actor.role is not Role.FEED or not identity.via_token:
        raise Refused("events are fed by a feed account's API token only")
    body = await request.body()
    if len(body) > MAX_BODY:
        raise InvalidInput(f"a batch is at most {MAX_BODY:,} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidInput(f"the batch is not UTF-8 text ({error.reason})") from error
    intake = _intake(request)
    source = f"feed:{identity.actor.login}"
    if request.headers.get("content-type", "").split(";")[0].strip() == "text/csv":
        report = await run_in_threadpool(intake.accept_csv, text, source)
    else:
        try:
            batch = FeedBatch.model_validate_json(text)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()[:20]
            )
            raise InvalidInput(f"the batch: {problems}") from error
        rows: list[dict[str, Any]] = [event.model_dump() for event in batch.events]
        report = await run_in_threadpool(intake.accept_rows, rows, source)
    if report.stored:
        services.picture.events_changed()  # a debounced background refresh and refit
    return _report(report)
