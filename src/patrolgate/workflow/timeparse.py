"""Reading times given by people: an offset wins; a local time must exist and be unambiguous."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from patrolgate.errors import InvalidInput


def parse_time(text: str, timezone: ZoneInfo, what: str = "time") -> datetime:
    """An ISO time as UTC; a time without offset is local, refused in the BST gap or overlap."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{what} {text!r}: not an ISO time such as 2026-06-01T18:00") from None
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    return local_to_utc(value, timezone, what)


def local_to_utc(value: datetime, timezone: ZoneInfo, what: str = "time") -> datetime:
    """A naive local wall-clock time as UTC, refusing times that do not exist or happen twice."""
    early = value.replace(tzinfo=timezone, fold=0)
    late = value.replace(tzinfo=timezone, fold=1)
    before, after = early.utcoffset(), late.utcoffset()
    if before is not None and after is not None and before != after:
        kind = "happens twice (clocks go back)" if before > after else "does not exist"
        raise InvalidInput(
            f"{what} {value.isoformat()} {kind} in {timezone.key}; give an offset such as +01:00"
        )
    round_trip = early.astimezone(UTC).astimezone(timezone).replace(tzinfo=None)
    if round_trip != value:
        raise InvalidInput(
            f"{what} {value.isoformat()} does not exist (clocks go forward) in {timezone.key}"
        )
    return early.astimezone(UTC)


def hours(delta: timedelta) -> float:
    """A duration in hours."""
    return delta.total_seconds() / 3600


def hours_text(value: float) -> str:
    """``24 h``, ``24 h 1 min``."""
    minutes = round(value * 60)
    whole, rest = divmod(minutes, 60)
    return f"{whole} h" if rest == 0 else f"{whole} h {rest} min"
