"""The deployment page: the decision dossier and what the signed-in user may do (and why not).

The dossier is the same for every role that may see the page: the area by name on a map
(the polygon over ward and borough outlines, the forecast cells in and around it with their
city ranks), the linked intelligence (handling code C text only after an explicit, recorded
reveal), the forecast snapshot in words and numbers with its recorded accuracy, the rarity
position and what the rules will require, the actual period, and a signed record to export.
The checklist, the actions and the warnings come from the rules' own evaluation
(:mod:`patrolgate.workflow.guide`): an action the rules would refuse is shown with the
refusal before the button, never offered silently.
"""

from __future__ import annotations

import threading
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from shapely.geometry import shape
from sqlalchemy import select

from patrolgate.accounts import Identity
from patrolgate.api.dependencies import IdentityDep, ServicesDep
from patrolgate.api.services import Services
from patrolgate.audit import HeadSigner
from patrolgate.audit.signed_record import render_record
from patrolgate.errors import NotFound
from patrolgate.picture.outlook import Outlook, outlook
from patrolgate.policy import Rank, Role
from patrolgate.store.workflow_tables import UserRow
from patrolgate.web.rendering import page
from patrolgate.workflow.errors import NotAuthorised
from patrolgate.workflow.guide import dossier_evaluation
from patrolgate.workflow.intelligence_records import restricted_readers
from patrolgate.workflow.record_export import export_record
from patrolgate.workflow.rules import COMMANDERS

router = APIRouter(include_in_schema=False)

#: How far beyond the deployment's bounds the map shows ward outlines (degrees).
MARGIN_DEGREES = 0.008

_bounds_lock = threading.Lock()
_bounds: dict[str, tuple[object, list[tuple[tuple[float, float, float, float], Any]]]] = {}


def _strategic_commanders(services: Services) -> list[str]:
    with services.database.sessions() as session:
        return list(
            session.scalars(
                select(UserRow.login)
                .where(UserRow.role == Role.STRATEGIC_COMMANDER.value, UserRow.active.is_(True))
                .order_by(UserRow.login)
            )
        )


def _senior_officers(services: Services, at_least: Rank) -> list[str]:
    """Commanders of ``at_least`` rank or above: whom an s60(3A) notice may go to."""
    with services.database.sessions() as session:
        rows = session.scalars(
            select(UserRow)
            .where(UserRow.role.in_([r.value for r in COMMANDERS]), UserRow.active.is_(True))
            .order_by(UserRow.login)
        )
        return [u.login for u in rows if Rank(u.rank) >= at_least]


def _outlines(
    services: Services, level: str
) -> list[tuple[tuple[float, float, float, float], Any]]:
    """The picture's simplified outlines of ``level`` with their bounds, computed once per
    loaded collection (the picture keeps the collection until the areas change)."""
    collection = services.picture.boundaries(level)
    with _bounds_lock:
        known = _bounds.get(level)
        if known is not None and known[0] is collection:
            return known[1]
    found = [(shape(f["geometry"]).bounds, f) for f in collection["features"]]
    with _bounds_lock:
        _bounds[level] = (collection, found)
    return found


def _near(
    outlines: list[tuple[tuple[float, float, float, float], Any]],
    box: tuple[float, float, float, float],
) -> list[Any]:
    west, south, east, north = box
    return [
        f for (w, s, e, n), f in outlines if w <= east and e >= west and s <= north and n >= south
    ]


def map_data(
    services: Services, view: dict[str, Any], geometry: dict[str, Any], boroughs: list[str]
) -> dict[str, Any]:
    """What the dossier's map draws: the polygon, the wards around it (named), its boroughs'
    outlines and the snapshot's cells with their ranks. Read from memory, nothing fitted."""
    west, south, east, north = shape(geometry).bounds
    box = (
        west - MARGIN_DEGREES,
        south - MARGIN_DEGREES,
        east + MARGIN_DEGREES,
        north + MARGIN_DEGREES,
    )
    codes = set(view.get("area_codes") or [])
    wards = [
        {**f, "properties": {**f["properties"], "selected": f["properties"]["code"] in codes}}
        for f in _near(_outlines(services, "ward"), box)
    ]
    outlines = [f for _, f in _outlines(services, "borough") if f["properties"]["code"] in boroughs]
    snapshot = view.get("forecast_snapshot") or {}
    return {
        "polygon": {"type": "Feature", "properties": {"id": view["id"]}, "geometry": geometry},
        "wards": {"type": "FeatureCollection", "features": wards},
        "boroughs": {"type": "FeatureCollection", "features": outlines},
        "cells": snapshot.get("cells_around"),
        "city_cells": snapshot.get("city_cells"),
    }


def top_cells(view: dict[str, Any], limit: int = 5) -> list[dict[str, Any]]:
    """The snapshot's highest-ranked cells inside the area (the map's text alternative)."""
    cells = ((view.get("forecast_snapshot") or {}).get("cells_around") or {}).get("features", [])
    inside = [c["properties"] for c in cells if c["properties"].get("inside")]
    return sorted(inside, key=lambda p: p["rank"])[:limit]


def outlook_of(services: Services, view: dict[str, Any]) -> Outlook | None:
    """The forecast outlook of the stored snapshot, in words (nothing is fitted here)."""
    return outlook(view.get("forecast_snapshot"), services.settings.tz)


def deployment_page_with(
    request: Request,
    services: Services,
    found: Identity,
    deployment_id: str,
    *,
    status: int = 200,
    error: tuple[str, str] | None = None,
    revealed: dict[str, Any] | None = None,
) -> HTMLResponse:
    services.sweep()
    dossier = services.workflow.deployment_dossier(found.actor, deployment_id)
    evaluation = dossier_evaluation(dossier)
    guide = evaluation.as_dict()
    offered = guide["offered"]
    # Only the impact assessment form lists the strategic commanders (its owner).
    owners = _strategic_commanders(services) if "assess-impact" in offered else []
    notice = dossier.row.profile.get("superior_notice") or {}
    senior = (
        _senior_officers(services, Rank.parse(notice["notify_min_rank"]))
        if "record-notice" in offered and notice
        else []
    )
    view = dossier.view
    return page(
        request,
        "deployment.html",
        found,
        status=status,
        d=view,
        guide=guide,
        verdict={v["action"]: v for v in guide["verdicts"]},
        offered=offered,
        objections=[c for c in view["consultations"] if c["outcome"] == "object"],
        high_risk=evaluation.facts.high_risk,
        now=dossier.now.isoformat(),
        owners=owners,
        senior=senior,
        error=error,
        map_data=map_data(services, view, dossier.row.geometry, list(dossier.row.borough_codes)),
        top_cells=top_cells(view),
        outlook=outlook_of(services, view),
        revealed=revealed or {},
        may_reveal=found.actor.role in restricted_readers(dossier.row),
        noun=dossier.row.profile.get("noun") or "deployment",
    )


@router.get("/deployments/{deployment_id}")
def deployment_page(
    deployment_id: str, request: Request, services: ServicesDep, found: IdentityDep
) -> Response:
    """One deployment: the dossier, checklist, countdown, my actions, timeline."""
    return deployment_page_with(request, services, found, deployment_id)


@router.post("/deployments/{deployment_id}/intelligence/{intel_id}/reveal")
async def reveal_linked_intelligence(
    deployment_id: str,
    intel_id: str,
    request: Request,
    services: ServicesDep,
    found: IdentityDep,
) -> Response:
    """Reveal a linked summary's text on the dossier: handling code C only to the roles
    allowed, and each reveal recorded in the audit trail before the text is shown."""
    view = await run_in_threadpool(services.workflow.show_deployment, found.actor, deployment_id)
    if intel_id not in {i["id"] for i in view.get("intelligence", [])}:
        raise NotFound(f"no intelligence summary {intel_id!r} is linked to {deployment_id}")

    def reveal() -> HTMLResponse:
        try:
            shown = services.workflow.reveal_intelligence(
                found.actor, intel_id, deployment_id=deployment_id
            )
        except NotAuthorised as refused:
            return deployment_page_with(
                request, services, found, deployment_id, status=403, error=("Refused", str(refused))
            )
        return deployment_page_with(
            request, services, found, deployment_id, revealed={intel_id: shown}
        )

    response = await run_in_threadpool(reveal)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/deployments/{deployment_id}/record/export")
async def export_deployment_record(
    deployment_id: str, services: ServicesDep, found: IdentityDep
) -> Response:
    """The decision record as a signed HTML file (the export is recorded)."""

    def signed() -> str:
        view = services.workflow.show_deployment(found.actor, deployment_id)
        told = outlook_of(services, view)
        lines = [told.standing, told.accuracy, told.data] if told is not None else []
        record = export_record(
            services.workflow,
            found.actor,
            deployment_id,
            HeadSigner(services.settings.secret_key),
            lines,
        )
        return render_record(record)

    text = await run_in_threadpool(signed)
    return Response(
        text,
        media_type="text/html; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="decision-record-{deployment_id}.html"',
            "Cache-Control": "no-store",
        },
    )
