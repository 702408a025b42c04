"""The browser UI: server-rendered Jinja2 templates, small vanilla JS, Leaflet vendored."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from patrolgate.web import actions, deployment_pages, oversight_pages, pages, signin
from patrolgate.web.rendering import render_error

STATIC = Path(__file__).parent / "static"

#: Every router of the browser UI: its pages and form handlers.
ROUTERS: tuple[APIRouter, ...] = tuple(
    module.router for module in (signin, pages, deployment_pages, actions, oversight_pages)
)


def mount(app: FastAPI) -> None:
    """Add the pages, the form handlers and the static files to ``app``."""
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")


__all__ = ["ROUTERS", "mount", "render_error"]
