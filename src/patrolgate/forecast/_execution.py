"""Running independent backtest tasks in process or on a Dask cluster, in a fixed order."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from patrolgate.forecast._base import ForecastError

T = TypeVar("T")

#: Called after each finished task with (finished, total).
Progress = Callable[[int, int], None]


def run_tasks(
    function: Callable[..., T],
    shared: dict[str, Any],
    tasks: Sequence[dict[str, Any]],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> list[T]:
    """``[function(**shared, **task) for task in tasks]``, possibly on Dask workers.

    With neither ``workers`` (above 1) nor ``scheduler`` the tasks run here, one after
    another. ``workers=N`` starts a Dask ``LocalCluster`` of ``N`` single-threaded worker
    processes listening on 127.0.0.1 only; ``scheduler`` connects to an existing cluster.
    ``shared`` arguments are sent to the workers once. Results come back in task order
    whatever order the tasks finish in, so they do not depend on the number of workers.
    """
    total = len(tasks)
    if scheduler is None and (workers is None or workers <= 1):
        results: list[T] = []
        for done, task in enumerate(tasks, start=1):
            results.append(function(**shared, **task))
            if progress is not None:
                progress(done, total)
        return results
    if workers is not None and workers < 1:
        raise ForecastError(f"workers must be at least 1, not {workers}")
    # Dask ships without type hints; it is imported here so that serial runs never load it.
    distributed: Any = importlib.import_module("distributed")
    cluster = None
    if scheduler is None:
        cluster = distributed.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
        client = distributed.Client(cluster)
    else:
        client = distributed.Client(scheduler)
    try:
        remote = {key: client.scatter(value, broadcast=True) for key, value in shared.items()}
        futures = [client.submit(function, **remote, **task, pure=False) for task in tasks]
        position = {future.key: index for index, future in enumerate(futures)}
        gathered: list[Any] = [None] * total
        for done, future in enumerate(distributed.as_completed(futures), start=1):
            gathered[position[future.key]] = future.result()
            if progress is not None:
                progress(done, total)
        return gathered
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
