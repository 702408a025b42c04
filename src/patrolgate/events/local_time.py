"""UTC instants as local calendar months, vectorised for importers (single times and
periods are :mod:`patrolgate.timekeeping`'s)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

_HOUR = 3600


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
