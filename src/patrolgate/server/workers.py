"""The worker processes of ``patrolgate serve --workers N``: uvicorn's supervisor with a
health-check timeout a busy machine can meet, and every worker start, death and restart
logged.

Why the timeout, and not another supervisor: uvicorn's supervisor pings each worker over a
pipe, and a thread of the worker answers. That thread answers whatever the worker's event
loop is doing, so the ping tells only whether the process exists and its interpreter runs.
What failed on a loaded machine was the time before that thread exists: a spawned worker
starts a fresh interpreter and imports the command line's main module (the ``patrolgate``
script) before it can answer, and at a load of 12 on two cores that took longer than
uvicorn's 5 seconds, so the supervisor killed it and started another, which was killed in
turn. A longer timeout costs only the time to notice a worker whose interpreter is wedged
(a dead worker is noticed at once, by its exit); see docs/operations.md.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from socket import socket

from uvicorn.config import STARTUP_FAILURE, Config
from uvicorn.supervisors.multiprocess import Multiprocess, Process

log = logging.getLogger("patrolgate.server")

#: Seconds a worker has to answer the supervisor's health check (uvicorn's default is 5).
WORKER_HEALTHCHECK_SECONDS = 60

#: The app each worker builds, from the ``PATROLGATE_*`` variables the command set.
WORKER_APP = "patrolgate.server.app:create_app_from_environment"


def configure_logging() -> None:
    """Send ``patrolgate.*`` records of INFO and above to stderr, once per process."""
    logger = logging.getLogger("patrolgate")
    if any(getattr(h, "_patrolgate", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s")
    )
    handler._patrolgate = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


class Supervisor(Multiprocess):
    """uvicorn's supervisor, logging each worker's start, first answer, death and restart."""

    def __init__(self, config: Config, sockets: list[socket]) -> None:
        super().__init__(config, sockets)
        self._started_at: dict[int, float] = {}
        self.restarts = 0

    def _start(self, replacing: Process | None = None) -> Process:
        process = Process(self.config, self.sockets)
        process.start()
        assert process.pid is not None
        self._started_at[process.pid] = time.monotonic()
        if replacing is None:
            log.info("worker started (pid %d)", process.pid)
        else:
            log.warning("worker restarted: pid %d in place of pid %s", process.pid, replacing.pid)
        return process

    def init_processes(self) -> None:
        """Start the workers."""
        log.info(
            "supervisor (pid %d) starting %d workers; health-check timeout %d s",
            os.getpid(),
            self.processes_num,
            self.config.timeout_worker_healthcheck,
        )
        self.processes = [self._start() for _ in range(self.processes_num)]

    def keep_subprocess_alive(self) -> None:
        """Ping each worker; replace one that died or did not answer, saying which."""
        if self.should_exit.is_set():
            return
        for index, process in enumerate(self.processes):
            running = process.process.is_alive()
            if running and process.ping(timeout=self.config.timeout_worker_healthcheck):
                started = self._started_at.pop(process.pid or 0, None)
                if started is not None:
                    log.info(
                        "worker pid %s answered its first health check after %.1f s",
                        process.pid,
                        time.monotonic() - started,
                    )
                continue
            process.kill()
            process.join()
            if self.should_exit.is_set():
                return
            if running:
                log.error(
                    "worker pid %s did not answer the health check within %d s; killed it",
                    process.pid,
                    self.config.timeout_worker_healthcheck,
                )
            else:
                log.error("worker pid %s died (exit code %s)", process.pid, process.exitcode)
            if process.exitcode == STARTUP_FAILURE:
                # The app itself cannot start (settings, database): every restart would fail
                # the same way, so stop, as uvicorn does.
                log.error("worker pid %s could not start the service; stopping", process.pid)
                self.should_exit.set()
                return
            self.restarts += 1
            self.processes[index] = self._start(replacing=process)

    def run(self) -> None:
        """Supervise until a signal asks to stop; then stop every worker."""
        super().run()
        log.info("supervisor stopped (%d worker restart(s))", self.restarts)


def supervise(config: Config) -> None:
    """Bind ``config``'s socket and run its workers under :class:`Supervisor`."""
    listening = config.bind_socket()
    try:
        Supervisor(config, sockets=[listening]).run()
    finally:
        listening.close()
