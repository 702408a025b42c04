"""A small world for web tests: two boroughs, three wards, the workflow's cast with passwords."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from patrolgate.accounts import Accounts
from patrolgate.server import create_app
from patrolgate.settings import Settings
from patrolgate.store import Database
from patrolgate.workflow import Workflow

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow"))
import scenario  # the workflow tests' cast and areas, shared on purpose

PASSWORD = "correct horse battery"
Clock = scenario.Clock
LAMBETH, SOUTHWARK, WARD_L1 = scenario.LAMBETH, scenario.SOUTHWARK, scenario.WARD_L1
CAST = scenario.CAST


@dataclass
class World:
    """The app over a seeded database, its clock, and helpers to sign users in."""

    app: Any
    database: Database
    clock: scenario.Clock
    workflow: Workflow
    security_now: list[datetime]

    def client(self) -> TestClient:
        """A browser-like client on http://127.0.0.1 (loopback: cookies need no https)."""
        return TestClient(self.app, base_url="http://127.0.0.1")

    def signed_in(self, login: str) -> tuple[TestClient, str]:
        """A client signed in as ``login`` and its CSRF token."""
        client = self.client()
        sign_in(client, login)
        token = client.get("/api/v1/me/csrf").json()["csrf_token"]
        return client, token

    def ready_deployment(self, **changes: Any) -> str:
        """A submitted armed-patrol deployment with every step done."""
        return scenario.ready_deployment(self.workflow, self.clock, **changes)


def login_csrf(client: TestClient) -> str:
    """Fetch the sign-in form and read its CSRF token."""
    html = client.get("/login").text
    marker = 'name="csrf_token" value="'
    return html.split(marker, 1)[1].split('"', 1)[0]


def sign_in(client: TestClient, login: str, password: str = PASSWORD) -> Any:
    """Post the sign-in form."""
    return client.post(
        "/login",
        data={"login": login, "password": password, "csrf_token": login_csrf(client)},
        follow_redirects=False,
    )


def build_world(
    settings: Settings,
    database: Database,
    *,
    security_clock: Callable[[], datetime] | None = None,
    passwords: bool = True,
) -> World:
    """Seed the areas and cast, give everyone ``PASSWORD`` (unless ``passwords`` is false:
    then set one before signing in), build the app."""
    clock = scenario.Clock()
    workflow = scenario.make_workflow(database, clock)
    security_now = [datetime.now(UTC)]
    accounts = Accounts(database)
    for login in ["admin", *CAST] if passwords else []:
        accounts.set_password(None, login, PASSWORD)
    app = create_app(
        settings,
        database=database,
        clock=clock,
        security_clock=security_clock or (lambda: security_now[0]),
        sweep_every=None,
    )
    return World(app, database, clock, workflow, security_now)


def later(world: World, **delta: float) -> None:
    """Move the security clock (sessions, throttling) on."""
    world.security_now[0] += timedelta(**delta)
