"""Local months and UTC instants across the changes of British Summer Time."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from patrolgate.events.local_time import local_year_month
from patrolgate.timekeeping import month_interval


def test_month_interval_follows_summer_time() -> None:
    """April starts at 23:00 UTC on 31 March; November at midnight UTC."""
    start, end = month_interval(2018, 4, "Europe/London")
    assert start == datetime(2018, 3, 31, 23, tzinfo=UTC)
    assert end == datetime(2018, 4, 30, 23, tzinfo=UTC)
    assert month_interval(2018, 11, "Europe/London")[0] == datetime(2018, 11, 1, tzinfo=UTC)
    assert month_interval(2018, 12, "Europe/London")[1] == datetime(2019, 1, 1, tzinfo=UTC)


def test_local_months_of_instants_near_the_boundaries() -> None:
    """An instant just before midnight local time on the last day of a summer month."""
    instants = [
        datetime(2018, 6, 30, 22, 59, tzinfo=UTC),  # 23:59 BST, 30 June
        datetime(2018, 6, 30, 23, 0, tzinfo=UTC),  # 00:00 BST, 1 July
        datetime(2018, 12, 31, 23, 59, tzinfo=UTC),  # 23:59 GMT, 31 December
    ]
    epoch = np.array([int(i.timestamp()) for i in instants], dtype=np.int64)
    year, month = local_year_month(epoch, "Europe/London")
    assert list(zip(year.tolist(), month.tolist(), strict=True)) == [
        (2018, 6),
        (2018, 7),
        (2018, 12),
    ]
