"""What the web service holds for its lifetime: settings, database, workflow, accounts, map."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from patrolgate.accounts import Accounts, wall_clock
from patrolgate.demo.clock import clock_banner, with_demo_clock
from patrolgate.picture import Picture
from patrolgate.settings import Mode, Settings
from patrolgate.store import Database
from patrolgate.workflow import Workflow

SESSION_COOKIE = "pg_session"
LOGIN_CSRF_COOKIE = "pg_login_csrf"
#: Marks a browser that signed in to an account before: its own sign-in throttle.
KNOWN_BROWSER_COOKIE = "pg_known_browser"

log = logging.getLogger("patrolgate.api")


@dataclass
class Services:
    """Everything a request needs, built once by :func:`patrolgate.api.create_app`."""

    settings: Settings
    database: Database
    workflow: Workflow
    accounts: Accounts
    picture: Picture
    clock: Callable[[], datetime]
    #: What every page says about a fixed clock (demo mode), or None.
    clock_banner: str | None = None
    _last_sweep: list[float] = field(default_factory=lambda: [-1e9])
    _sweep_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(
        cls,
        settings: Settings,
        database: Database,
        *,
        clock: Callable[[], datetime] | None = None,
        security_clock: Callable[[], datetime] = wall_clock,
    ) -> Services:
        """Wire the services over one database and clock (demo mode: the demo's own date)."""
        settings = with_demo_clock(settings, database)
        now = clock or settings.clock_now
        picture = Picture(database, settings, now)
        workflow = Workflow(
            database=database,
            clock=now,
            timezone=settings.tz,
            forecast=picture.snapshot,
        )
        accounts = Accounts(
            database, clock=security_clock, secret_key=settings.secret_key, mode=settings.mode
        )
        if settings.mode is Mode.PRODUCTION:
            disabled = accounts.disable_demo_accounts()
            if disabled:
                log.warning(
                    "production start on a database built by `patrolgate demo`: demo accounts "
                    "deactivated (%s); they sign in in demo mode only",
                    ", ".join(disabled),
                )
        return cls(
            settings=settings,
            database=database,
            workflow=workflow,
            accounts=accounts,
            picture=picture,
            clock=now,
            clock_banner=clock_banner(settings, database) if clock is None else None,
        )

    def sweep(self) -> None:
        """Record due clock transitions before a view, at most once a second per process.

        Views read the effective state from the clock anyway; the sweep puts the
        transitions on the record, and the background timer does so even if nobody looks.
        """
        now = time.monotonic()
        if now - self._last_sweep[0] < 1.0 or not self._sweep_lock.acquire(blocking=False):
            return
        try:
            self._last_sweep[0] = now
            self.workflow.sweep()
        finally:
            self._sweep_lock.release()

    @property
    def secure_cookies(self) -> bool:
        """Cookies are Secure except in development and demo mode (plain http on loopback)."""
        return self.settings.mode is Mode.PRODUCTION
