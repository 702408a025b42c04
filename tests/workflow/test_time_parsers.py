"""The command line and the web form read a proposal's local times identically, across both
2026 London clock changes (hypothesis): both accept with the same instants, or both refuse."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.datastructures import FormData

from patrolgate.cli.deployments import period_of as cli_period
from patrolgate.errors import InvalidInput
from patrolgate.timekeeping import hours
from patrolgate.web.forms import period_of as form_period

LONDON = ZoneInfo("Europe/London")
#: Three days around each change: clocks go forward 29 March, back 25 October 2026.
AROUND = [datetime(2026, 3, 27, 12, 0), datetime(2026, 10, 23, 12, 0)]


@st.composite
def local_times(draw: st.DrawFn) -> str:
    """A wall-clock time near a change, to the minute, sometimes with an explicit offset."""
    base = draw(st.sampled_from(AROUND))
    moment = base + timedelta(minutes=draw(st.integers(0, 4 * 24 * 60)))
    text = moment.isoformat(timespec="minutes")
    offset = draw(st.sampled_from(["", "", "", "+00:00", "+01:00", "Z"]))
    return text + offset


def _read(reader: Callable[[], tuple[datetime, datetime]]) -> tuple[str, object]:
    """``ok`` and the instants, or the kind of refusal."""
    try:
        return "ok", reader()
    except InvalidInput as error:
        return type(error).__name__, None


@settings(max_examples=400, deadline=None)
@given(start=local_times(), end=local_times())
def test_the_cli_and_the_form_read_times_alike(start: str, end: str) -> None:
    """Same acceptance, same instants, so the same duration rule applies to both."""
    cli = _read(lambda: cli_period(start, end, LONDON))
    form = _read(lambda: form_period(FormData([("start", start), ("end", end)]), LONDON))
    assert cli == form
    if cli[0] == "ok":
        first, last = cli[1]  # type: ignore[misc]
        assert first.utcoffset() == last.utcoffset() == timedelta(0)  # both as UTC instants


def test_the_changes_themselves() -> None:
    """The cases the property sweeps past: the gap and the repeated hour, read alike."""
    for start, end, expected in (
        ("2026-03-29T01:30", "2026-03-29T10:00", "NonexistentLocalTime"),
        ("2026-10-25T01:30", "2026-10-25T10:00", "AmbiguousLocalTime"),
        ("2026-10-25T01:30+01:00", "2026-10-25T01:30+00:00", "ok"),
    ):
        cli = _read(lambda s=start, e=end: cli_period(s, e, LONDON))
        form = _read(
            lambda s=start, e=end: form_period(FormData([("start", s), ("end", e)]), LONDON)
        )
        assert cli[0] == form[0] == expected
        assert cli == form
    first, last = cli_period("2026-10-24T20:00", "2026-10-25T20:00", LONDON)
    assert hours(last - first) == 25  # a wall-clock day across the October change
