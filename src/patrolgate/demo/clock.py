"""The demo's clock: fixed at the day after its data end, so every window has measured accuracy.

The shipped London points end in January 2021. A demo served on today's clock would forecast
years beyond its data (and honestly refuse to); in demo mode the clock is fixed instead at
07:00 local (the start of the early shift) on the day the last event's interval ended, and
every page's banner says so.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from patrolgate.picture.study import events_up_to
from patrolgate.settings import Mode, Settings
from patrolgate.store import Database
from patrolgate.timekeeping import at_local, local_date, local_text

#: The local time of day the demo's clock is fixed at: the early shift's start.
DEMO_TIME = time(7, 0)


def demo_moment(database: Database, settings: Settings) -> datetime | None:
    """07:00 local on the first day at or after the end of the last located event."""
    last = events_up_to(database)
    if last is None:
        return None
    day = local_date(last, settings.tz)
    moment = at_local(day, DEMO_TIME, settings.tz)
    if moment < last:
        moment = at_local(day + timedelta(days=1), DEMO_TIME, settings.tz)
    return moment


def with_demo_clock(settings: Settings, database: Database) -> Settings:
    """``settings`` with the clock fixed at :func:`demo_moment` in demo mode, unless a clock
    (``PATROLGATE_NOW``) is already set; other modes are returned unchanged."""
    if settings.mode is not Mode.DEMO or settings.now is not None:
        return settings
    moment = demo_moment(database, settings)
    return settings if moment is None else settings.model_copy(update={"now": moment})


def clock_banner(settings: Settings, database: Database) -> str | None:
    """The banner every demo page shows: the fixed clock and why."""
    if settings.mode is not Mode.DEMO or settings.now is None:
        return None
    now = settings.clock_now()
    last = events_up_to(database)
    data = "" if last is None else f" ({_ended(last, settings)})"
    return (
        f"Demo: the clock is fixed at {local_text(now, settings.tz)}, the day after the last "
        f"event in the demo data{data}, so every forecast window has events before it and "
        "measured accuracy."
    )


def _ended(last: datetime, settings: Settings) -> str:
    local = last.astimezone(settings.tz)
    if local.timetz().replace(tzinfo=None) == time(0):
        return f"events up to the end of {local - timedelta(days=1):%d %B %Y}"
    return f"events up to {local_text(last, settings.tz)}"
