"""Local calendar periods as UTC instants, and UTC instants as local calendar months."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

ONE_MINUTE = timedelta(minutes=1)
ONE_DAY = timedelta(days=1)
_HOUR = 3600


@lru_cache(maxsize=4096)
def month_interval(year: int, month: int, timezone: str) -> tuple[datetime, datetime]:
    """The UTC start and end of a local calendar month."""
    tz = ZoneInfo(timezone)
    start = datetime(year, month, 1, tzinfo=tz)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def localise(moment: datetime, timezone: str) -> datetime:
    """An aware datetime: ``moment`` itself when aware, else read as local time in ``timezone``.

    A local time repeated when the clocks go back is read as its first occurrence
    (``fold=0``), the usual convention of recording systems.
    """
    if moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=ZoneInfo(timezone))


def epoch_seconds(moment: datetime) -> int:
    """Seconds since 1970-01-01 UTC of an aware datetime."""
    return int(moment.timestamp())


def local_year_month(
    epoch: NDArray[np.int64], timezone: str
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Local calendar year and month of UTC instants, vectorised over unique hours.

    Every time zone in use changes offset on the hour or half hour at most twice a
    year, so the offset of each distinct UTC hour (and half hour) decides.
    """
    tz = ZoneInfo(timezone)
    slots = epoch // (_HOUR // 2)
    unique, inverse = np.unique(slots, return_inverse=True)
    offsets = np.array(
        [
            int(datetime.fromtimestamp(int(s) * (_HOUR // 2), tz).utcoffset().total_seconds())  # type: ignore[union-attr]
            for s in unique.tolist()
        ],
        dtype=np.int64,
    )
    local = (epoch + offsets[inverse.ravel()]).astype("datetime64[s]")
    months = local.astype("datetime64[M]").astype(np.int64)
    return months // 12 + 1970, months % 12 + 1
