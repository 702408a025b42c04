"""Every reading of a local time and every time window, in one place.

Times are stored and compared as aware UTC instants; durations are elapsed time (a local
day across the October change lasts 25 hours, and a 24-hour authorisation ends at 23:00
local that day). People give times in the force's local time zone:

- :func:`parse_time` reads what a person typed (CLI option, API field, web form): an
  explicit offset wins; a local time that does not exist (clocks go forward) or happens
  twice (clocks go back) is refused with a message asking for an offset.
- :func:`record_time` reads a time from a source's records (an import): the first
  occurrence of a repeated local time, as recording systems do, and a time in the gap
  moved forward by the gap, never refused.
- :func:`window_at` and :func:`shift_window` give forecast windows in local terms: a day
  runs from local midnight to the next local midnight, a shift from 07:00, 15:00 or 23:00
  local to the next shift's start, whatever the clocks do in between.

Nothing else in the package attaches a time zone to a naive time with
``replace(tzinfo=...)``.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

from patrolgate.errors import InvalidInput

ONE_MINUTE = timedelta(minutes=1)
ONE_HOUR = timedelta(hours=1)
ONE_DAY = timedelta(days=1)

#: Local start hours of the three policing shifts: early, late and night.
SHIFT_STARTS = (7, 15, 23)


class NonexistentLocalTime(InvalidInput):
    """A local time skipped when the clocks go forward."""


class AmbiguousLocalTime(InvalidInput):
    """A local time that happens twice when the clocks go back."""


def parse_time(text: str, timezone: ZoneInfo, what: str = "time") -> datetime:
    """An ISO date-time typed by a person, as UTC.

    With an offset (``2026-10-25T01:30+01:00``) the offset decides; without one the time
    is local to ``timezone`` and must exist exactly once there.
    """
    cleaned = text.strip() if isinstance(text, str) else ""
    if not cleaned:
        raise InvalidInput(f"{what}: give a date and time such as 2026-06-01T18:00")
    try:
        value = datetime.fromisoformat(cleaned)
    except ValueError:
        raise InvalidInput(f"{what} {text!r}: not an ISO time such as 2026-06-01T18:00") from None
    return aware_utc(value, timezone, what)


def aware_utc(value: datetime, timezone: ZoneInfo, what: str = "time") -> datetime:
    """``value`` as UTC: an aware datetime converted, a naive one read strictly as local."""
    if value.tzinfo is not None:
        if value.utcoffset() is None:
            raise InvalidInput(f"{what} {value.isoformat()}: the time zone gives no offset")
        return value.astimezone(UTC)
    return local_to_utc(value, timezone, what)


def parse_day(text: str, what: str = "date") -> date:
    """An ISO calendar date (``2026-06-01``)."""
    try:
        return date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise InvalidInput(f"{what} {text!r}: not a date such as 2026-06-01") from None


def local_to_utc(value: datetime, timezone: ZoneInfo, what: str = "time") -> datetime:
    """A naive local wall-clock time as UTC, refusing times that do not exist or happen twice."""
    if value.tzinfo is not None:
        raise ValueError("local_to_utc takes a naive local time")
    early = _zoned(value, timezone, 0)
    late = _zoned(value, timezone, 1)
    before, after = early.utcoffset(), late.utcoffset()
    if before is not None and after is not None and before > after:
        raise AmbiguousLocalTime(
            f"{what} {value.isoformat(timespec='minutes')} happens twice in {timezone.key} "
            "(the clocks go back); give an offset such as +01:00 or +00:00"
        )
    instant = early.astimezone(UTC)
    if _wall(instant, timezone) != value:
        raise NonexistentLocalTime(
            f"{what} {value.isoformat(timespec='minutes')} does not exist in {timezone.key} "
            "(the clocks go forward); give a time an hour later or an offset"
        )
    return instant


def record_time(value: datetime, timezone: ZoneInfo) -> datetime:
    """A time from a source's records as UTC, never refused.

    Aware times keep their offset. A naive local time repeated when the clocks go back is
    read as its first occurrence; one in the gap when they go forward is read with the
    offset before the change (so it lands the gap's length later on the wall clock).
    """
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    return _zoned(value, timezone, 0).astimezone(UTC)


def _zoned(naive: datetime, timezone: ZoneInfo, fold: int) -> datetime:
    """``naive`` read as a wall-clock time in ``timezone`` (``fold`` picks a repeated hour)."""
    return datetime(
        naive.year,
        naive.month,
        naive.day,
        naive.hour,
        naive.minute,
        naive.second,
        naive.microsecond,
        tzinfo=timezone,
        fold=fold,
    )


def _wall(instant: datetime, timezone: ZoneInfo) -> datetime:
    """The naive local wall-clock reading of an instant."""
    local = instant.astimezone(timezone)
    return datetime.combine(local.date(), local.time())


def local_wall(instant: datetime, timezone: ZoneInfo) -> datetime:
    """The naive local wall-clock reading of an aware instant (for display and grouping)."""
    return _wall(instant, timezone)


def at_local(day: date, clock: time, timezone: ZoneInfo) -> datetime:
    """The instant (UTC) a local wall-clock time is reached on ``day``.

    A wall time skipped by the clocks going forward is reached at the change itself; a
    repeated one at its first occurrence. Window boundaries use this, so a window always
    has a start.
    """
    naive = datetime.combine(day, clock)
    first = _zoned(datetime.combine(day, clock), timezone, 0).astimezone(UTC)
    if _wall(first, timezone) == naive:
        return first
    return _gap_end(naive, timezone)


def _gap_end(naive: datetime, timezone: ZoneInfo) -> datetime:
    """The instant the clocks went forward past ``naive`` (a wall time in the gap)."""
    # Offsets change on the minute; step back from an instant safely after the gap.
    after = _zoned(naive, timezone, 0)
    candidate = after.astimezone(UTC)  # read with the earlier offset: lands after the gap
    step = timedelta(minutes=1)
    while _wall(candidate - step, timezone) >= naive:
        candidate -= step
    return candidate


def local_midnight(day: date, timezone: ZoneInfo) -> datetime:
    """The UTC instant a local calendar day starts."""
    return at_local(day, time(0), timezone)


def local_date(instant: datetime, timezone: ZoneInfo) -> date:
    """The local calendar date of an instant."""
    return instant.astimezone(timezone).date()


def day_interval(day: date, timezone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC start and end of a local calendar day (23, 24 or 25 hours long)."""
    return local_midnight(day, timezone), local_midnight(day + ONE_DAY, timezone)


@lru_cache(maxsize=4096)
def month_interval(year: int, month: int, timezone: str) -> tuple[datetime, datetime]:
    """The UTC start and end of a local calendar month."""
    tz = ZoneInfo(timezone)
    start = local_midnight(date(year, month, 1), tz)
    end = local_midnight(date(year + month // 12, month % 12 + 1, 1), tz)
    return start, end


def add_months(day: date, months: int) -> date:
    """The first of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


class WindowKind(StrEnum):
    """Forecast windows in local terms."""

    SHIFT = "shift"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def shift_window(instant: datetime, timezone: ZoneInfo) -> tuple[datetime, datetime]:
    """The policing shift (07–15, 15–23, 23–07 local) containing ``instant``, in UTC."""
    local = instant.astimezone(timezone)
    day = local.date()
    starts = []
    for offset in (-1, 0, 1):
        d = day + timedelta(days=offset)
        starts += [at_local(d, time(h), timezone) for h in SHIFT_STARTS]
    starts.sort()
    moment = instant.astimezone(UTC)
    for begin, finish in itertools.pairwise(starts):
        if begin <= moment < finish:
            return begin, finish
    raise AssertionError("unreachable: three days of shifts cover the instant")  # pragma: no cover


def shift_name(start: datetime, timezone: ZoneInfo) -> str:
    """``early`` (07–15), ``late`` (15–23) or ``night`` (23–07) for a shift's start."""
    hour = start.astimezone(timezone).hour
    return {7: "early", 15: "late", 23: "night"}.get(hour, "night" if hour < 7 else "late")


def window_at(
    instant: datetime, kind: WindowKind | str, timezone: ZoneInfo
) -> tuple[datetime, datetime]:
    """The window of ``kind`` containing ``instant``, in local terms, as UTC instants.

    A shift is one of the three policing shifts; a day runs from local midnight; a week
    from local midnight on Monday; a month from the first at local midnight.
    """
    kind = WindowKind(kind)
    if kind is WindowKind.SHIFT:
        return shift_window(instant, timezone)
    day = local_date(instant, timezone)
    if kind is WindowKind.DAY:
        return day_interval(day, timezone)
    if kind is WindowKind.WEEK:
        monday = day - timedelta(days=day.weekday())
        return local_midnight(monday, timezone), local_midnight(monday + 7 * ONE_DAY, timezone)
    first = day.replace(day=1)
    return local_midnight(first, timezone), local_midnight(add_months(first, 1), timezone)


def next_window(
    window: tuple[datetime, datetime], kind: WindowKind | str, timezone: ZoneInfo
) -> tuple[datetime, datetime]:
    """The window of ``kind`` that follows ``window``."""
    return window_at(window[1], kind, timezone)


def hours(delta: timedelta) -> float:
    """An elapsed duration in hours."""
    return delta.total_seconds() / 3600


def hours_text(value: float) -> str:
    """``24 h``, ``24 h 1 min``."""
    minutes = round(value * 60)
    whole, rest = divmod(minutes, 60)
    return f"{whole} h" if rest == 0 else f"{whole} h {rest} min"


def local_text(instant: datetime, timezone: ZoneInfo) -> str:
    """``Sat 28 Mar 2026 20:00 GMT``."""
    return instant.astimezone(timezone).strftime("%a %d %b %Y %H:%M %Z")


def epoch_seconds(moment: datetime) -> int:
    """Seconds since 1970-01-01 UTC of an aware datetime."""
    return int(moment.timestamp())
