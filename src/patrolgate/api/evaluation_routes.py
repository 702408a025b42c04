"""Outcome evaluation in the web service: a deployment's series plot and verdict, the
programme's forest plot.

* ``GET /deployments/{id}/evaluation.png`` and ``GET /api/v1/deployments/{id}/evaluation``:
  anyone signed in (the roles that can see the deployment page). A deployment that has not
  ended yet answers 409 (a problem document): there is nothing to evaluate. An ended
  deployment with too few events still gets its plot and JSON, whose verdict then says
  "not-enough-data".
* ``GET /oversight/programme.png`` and ``GET /oversight/programme.json``: every ended
  deployment pooled; for the oversight role and commanders. With no ended deployment at
  all they answer 409. A deployment that cannot be evaluated (powers ended within the
  second they began) is listed under ``unevaluated`` with the reason and left out of the
  pooling; asked for on its own, it answers 409 with that reason.

Evaluating a deployment costs seconds, so each result (and its PNG) is kept in memory per
app, keyed by the deployment, its effective end and the last stored event; while its after
period is still running the key also carries the hour, so it is recomputed at most hourly.
The evaluations run on the app's heavy-work thread (:class:`~patrolgate.api.limits.HeavyWork`):
a request waits for them within its time budget, then answers 503 with ``Retry-After`` while
they finish for the retry.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from patrolgate.accounts import Identity
from patrolgate.api.dependencies import IdentityDep, ServicesDep
from patrolgate.api.limits import STILL_WORKING_RESPONSES, HeavyWork
from patrolgate.api.schemas import PROBLEM_RESPONSES
from patrolgate.api.services import Services
from patrolgate.errors import Conflict, NotFound
from patrolgate.evaluation import (
    DeploymentEvaluation,
    EvaluationDesign,
    ProgrammeEvaluation,
    Unevaluated,
    evaluate_programme,
)
from patrolgate.evaluation.plots import forest_png, series_png
from patrolgate.oversight.evaluations import effective_end, evaluate_each, is_ended
from patrolgate.policy import Role
from patrolgate.store.database import Database
from patrolgate.store.evaluation_queries import (
    StoredDeployment,
    authorised_deployments,
    load_deployment,
)
from patrolgate.store.event_queries import EventFilter, date_range
from patrolgate.workflow import NotAuthorised
from patrolgate.workflow.lifecycle import effective_state

#: One router, so the app factory includes it with one line; only the JSON route is in the
#: OpenAPI document (the pages' images are not API).
router = APIRouter()

#: Who may see the programme's forest plot.
PROGRAMME_ROLES = frozenset(
    {Role.OVERSIGHT, Role.BOROUGH_COMMANDER, Role.TACTICAL_COMMANDER, Role.STRATEGIC_COMMANDER}
)
_DESIGN = EvaluationDesign()
_CACHE_SIZE = 256


class NotEnded(Conflict):
    """The deployment has not ended yet: there is nothing to evaluate."""

    title = "Not ended yet"


class NotEvaluable(Conflict):
    """The deployment ended but cannot be evaluated (e.g. it lasted under a second)."""

    title = "Cannot be evaluated"


@dataclass
class _Evaluated:
    result: DeploymentEvaluation | Unevaluated
    png: bytes | None = None


@dataclass
class EvaluationCache:
    """Evaluations of ended deployments, least recently used dropped first; thread-safe."""

    entries: OrderedDict[tuple[Any, ...], _Evaluated] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    computing: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: tuple[Any, ...]) -> _Evaluated | None:
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
            return found

    def put(self, key: tuple[Any, ...], value: _Evaluated) -> None:
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > _CACHE_SIZE:
                self.entries.popitem(last=False)


def _cache(request: Request) -> EvaluationCache:
    state = request.app.state
    cache = getattr(state, "evaluations", None)
    if cache is None:
        cache = state.evaluations = EvaluationCache()
    assert isinstance(cache, EvaluationCache)
    return cache


def _key(
    deployment: StoredDeployment, now: datetime, last_event: datetime | None
) -> tuple[Any, ...]:
    end = effective_end(deployment, now)
    settled = now >= end + _DESIGN.after + timedelta(days=1)
    hour = None if settled else now.replace(minute=0, second=0, microsecond=0)
    return (deployment.id, end, last_event, hour)


def _last_event(database: Database) -> datetime | None:
    return date_range(database, EventFilter())[1]


def _evaluations(
    services: Services, cache: EvaluationCache, chosen: list[StoredDeployment], now: datetime
) -> list[_Evaluated]:
    """Each of ``chosen`` (ended) from the cache, evaluating the missing ones together."""
    last = _last_event(services.database)
    keys = [_key(d, now, last) for d in chosen]
    with cache.computing:  # concurrent requests for the same evaluation wait, not repeat
        missing = [(d, k) for d, k in zip(chosen, keys, strict=True) if cache.get(k) is None]
        if missing:
            results = evaluate_each(
                services.database, services.settings, [d for d, _ in missing], now, design=_DESIGN
            )
            for (_, key), result in zip(missing, results, strict=True):
                cache.put(key, _Evaluated(result))
        found = [cache.get(k) for k in keys]
    return [f for f in found if f is not None]


def _ended_deployment(services: Services, deployment_id: str) -> StoredDeployment:
    deployment = load_deployment(services.database, deployment_id)
    if deployment is None:
        raise NotFound(f"no deployment {deployment_id!r}")
    now = services.clock()
    if not is_ended(deployment, now):
        state = effective_state(deployment, now)
        raise NotEnded(f"deployment {deployment.id} is {state.value}; it is evaluated once ended")
    return deployment


def deployment_evaluation(
    services: Services, cache: EvaluationCache, deployment_id: str, *, png: bool = False
) -> tuple[DeploymentEvaluation, bytes | None]:
    """The (cached) evaluation of an ended deployment, with its series PNG when asked."""
    services.sweep()
    deployment = _ended_deployment(services, deployment_id)
    evaluated = _evaluations(services, cache, [deployment], services.clock())[0]
    result = evaluated.result
    if isinstance(result, Unevaluated):
        raise NotEvaluable(result.reason)
    if png and evaluated.png is None:
        evaluated.png = series_png(result)
    return result, evaluated.png


def programme_evaluation(services: Services, cache: EvaluationCache) -> ProgrammeEvaluation:
    """Every ended deployment, pooled (each deployment's evaluation from the cache); those
    that cannot be evaluated are reported, not pooled."""
    services.sweep()
    now = services.clock()
    chosen = [d for d in authorised_deployments(services.database) if is_ended(d, now)]
    if not chosen:
        raise NotEnded("no deployment has ended yet: there is no programme to evaluate")
    results = [e.result for e in _evaluations(services, cache, chosen, now)]
    return evaluate_programme(
        [r for r in results if isinstance(r, DeploymentEvaluation)],
        unevaluated=[r for r in results if isinstance(r, Unevaluated)],
    )


def _heavy(request: Request) -> HeavyWork:
    heavy = request.app.state.heavy
    assert isinstance(heavy, HeavyWork)
    return heavy


def _programme_viewer(found: Identity) -> None:
    if found.actor.role not in PROGRAMME_ROLES:
        raise NotAuthorised(
            "the programme evaluation is for oversight and commanders "
            f"(you are a {found.actor.describe()})"
        )


@router.get("/deployments/{deployment_id}/evaluation.png", include_in_schema=False)
async def deployment_evaluation_png(
    deployment_id: str, request: Request, services: ServicesDep, found: IdentityDep
) -> Response:
    """Events per day in the area, its ring and its controls, before/during/after (PNG)."""
    cache = _cache(request)
    _, image = await _heavy(request).run(
        ("deployment.png", deployment_id),
        lambda: deployment_evaluation(services, cache, deployment_id, png=True),
        f"the evaluation of {deployment_id}",
    )
    assert image is not None
    return Response(image, media_type="image/png", headers={"Cache-Control": "private"})


@router.get(
    "/api/v1/deployments/{deployment_id}/evaluation",
    tags=["evaluation"],
    summary="Evaluate an ended deployment",
    responses={**PROBLEM_RESPONSES, **STILL_WORKING_RESPONSES},
)
async def deployment_evaluation_json(
    deployment_id: str, request: Request, services: ServicesDep, found: IdentityDep
) -> dict[str, Any]:
    """Counts before, during and after in the area, its ring and matched controls; the tests
    (WDD, WDQ, forecast check) and the verdict. 409 while the deployment has not ended."""
    cache = _cache(request)
    result, _ = await _heavy(request).run(
        ("deployment", deployment_id),
        lambda: deployment_evaluation(services, cache, deployment_id),
        f"the evaluation of {deployment_id}",
    )
    return result.to_dict()


@router.get("/oversight/programme.png", include_in_schema=False)
async def programme_png(request: Request, services: ServicesDep, found: IdentityDep) -> Response:
    """Each ended deployment's change net of controls and the pooled effects (forest plot)."""
    _programme_viewer(found)
    cache = _cache(request)

    def draw() -> bytes:
        return forest_png(programme_evaluation(services, cache))

    image = await _heavy(request).run(("programme.png",), draw, "the programme evaluation")
    return Response(image, media_type="image/png", headers={"Cache-Control": "private"})


@router.get("/oversight/programme.json", include_in_schema=False)
async def programme_json(request: Request, services: ServicesDep, found: IdentityDep) -> Response:
    """The pooled effects and a line per ended deployment (JSON)."""
    _programme_viewer(found)
    cache = _cache(request)
    programme = await _heavy(request).run(
        ("programme",), lambda: programme_evaluation(services, cache), "the programme evaluation"
    )
    return JSONResponse(programme.to_dict())
