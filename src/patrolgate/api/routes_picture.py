"""``/api/v1`` intelligence picture: events summary, forecasts, accuracy, boundaries, places."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request, Response

from patrolgate.api.dependencies import ActorDep, ServicesDep
from patrolgate.api.schemas import PROBLEM_RESPONSES
from patrolgate.events.taxonomy import Category
from patrolgate.picture import MapWindow, Serialised
from patrolgate.picture.live import live_geojson
from patrolgate.store.event_queries import EventFilter, GroupBy, summarise

router = APIRouter(prefix="/api/v1", tags=["intelligence picture"], responses=PROBLEM_RESPONSES)

_JSON_OBJECT: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {"schema": {"type": "object"}}}}
}


def _serialised(request: Request, document: Serialised) -> Response:
    """The pre-serialised document, gzipped when the client accepts it (both kept ready)."""
    accepts = request.headers.get("accept-encoding", "")
    if "gzip" in accepts.lower():
        return Response(
            document.gzipped,
            media_type="application/json",
            headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"},
        )
    return Response(
        document.raw, media_type="application/json", headers={"Vary": "Accept-Encoding"}
    )


@router.get("/events/summary", summary="Event counts by group")
def events_summary(
    services: ServicesDep,
    _actor: ActorDep,
    group_by: list[GroupBy] = Query(default=[GroupBy.CATEGORY, GroupBy.YEAR]),
    category: list[Category] | None = Query(default=None),
) -> list[dict[str, Any]]:
    """Counts of stored events grouped by year, month, borough and/or category."""
    where = EventFilter(categories=frozenset(category) if category else None)
    return summarise(services.database, group_by, where)


@router.get(
    "/forecast",
    summary="Forecast top cells as GeoJSON",
    response_class=Response,
    responses=_JSON_OBJECT,
)
def forecast(
    request: Request, services: ServicesDep, _actor: ActorDep, window: MapWindow = MapWindow.DAY
) -> Response:
    """The top cells of the current window (shift, day, week or month), with the data's end,
    the ranked places, the model the baseline gate allows and its recorded accuracy."""
    return _serialised(request, services.picture.forecast_serialised(window))


@router.get("/forecast/accuracy", summary="The recorded accuracy of what the map shows")
def accuracy(
    services: ServicesDep, _actor: ActorDep, window: MapWindow = MapWindow.DAY
) -> dict[str, Any]:
    """The window's recorded backtest (never computed on a request): the model the baseline
    gate allows, its hit rate and PAI at the map's coverage with the interval of its gain
    over three-year counts, and every setting it was run with (the algorithm record's)."""
    return services.picture.accuracy(window)


@router.get(
    "/areas",
    summary="Borough or ward boundaries as GeoJSON",
    response_class=Response,
    responses=_JSON_OBJECT,
)
def areas(
    request: Request,
    services: ServicesDep,
    _actor: ActorDep,
    level: str = Query(default="borough", pattern="^(borough|ward)$"),
) -> Response:
    """The shipped boundaries, simplified: the map's offline basemap."""
    return _serialised(request, services.picture.boundaries_serialised(level))


@router.get("/places", summary="Recent events and forecast at a point")
def place(
    services: ServicesDep,
    _actor: ActorDep,
    lon: float = Query(ge=-180, le=180),
    lat: float = Query(ge=-90, le=90),
) -> dict[str, Any]:
    """The ward and borough at a point, their recent events and the forecast there."""
    return services.picture.place(lon, lat)


@router.get("/map/deployments", summary="Live deployments as GeoJSON, with remaining time")
def live_deployments(services: ServicesDep, _actor: ActorDep) -> dict[str, Any]:
    """Authorised and active deployments' areas, each with its state and seconds remaining."""
    services.sweep()
    return live_geojson(services.workflow)
