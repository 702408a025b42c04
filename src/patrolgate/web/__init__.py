"""The browser UI: server-rendered Jinja2 templates, small vanilla JS, Leaflet vendored."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from patrolgate.web import actions, pages

STATIC = Path(__file__).parent / "static"


def mount(app: FastAPI) -> None:
    """Add the pages, the form handlers and the static files to ``app``."""
    app.include_router(pages.router)
    app.include_router(actions.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")


__all__ = ["mount"]
