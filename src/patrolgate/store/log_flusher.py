"""Group commit for the web service's SQLite database: commits reach the disk after the
writer lock is released, several with one flush, and no one is told "done" before.

With ``synchronous=FULL`` each SQLite commit flushes the write-ahead log to disk while it
holds the database's single writer lock. A flush usually takes well under a millisecond,
but a disk may stall one for a hundred milliseconds or more (measured on the benchmark
machine: single ``fdatasync`` calls of 120 to 230 ms, a few a minute); every writer of every
worker then waits behind it, and works through the queue one by one afterwards.

In serving mode the commit itself does not flush (``synchronous=NORMAL``: the log stays
consistent, and a commit is durable once the log is flushed). Instead:

* each commit made through :meth:`~patrolgate.store.database.Database.transaction` takes a
  *ticket* from this process's :class:`LogFlusher` once it has committed;
* ``flush_through(ticket)`` returns once a flush that began after that commit has finished.
  One thread flushes at a time; the others wait for it, and the next flush covers every
  commit made meanwhile (group commit);
* a caller that must not block a thread on the flush (the web service's request threads)
  opens :func:`deferred_flushes` first: commits inside it only note their ticket, and the
  caller waits with :meth:`DeferredFlush.wait` before it answers (the service does so on a
  thread that serves no request, so other requests go on while the disk flushes).

So an answer that reports a change is sent only once the change is on disk; another
request may read a committed change a few milliseconds before it is (as SQLite's own
``NORMAL`` mode, or PostgreSQL's ``synchronous_commit = off``, allow). Log pages are
appended in commit order, so a flush that makes a commit durable makes every earlier one
durable too: after a power cut the database holds a prefix of the commits, never a later
one without an earlier one.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from os import fdatasync
from pathlib import Path


class LogFlusher:
    """Flushes one SQLite database's write-ahead log for this process's commits."""

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self._changed = threading.Condition()
        self._committed = 0  # tickets handed out: commits this process has made
        self._flushed = 0  # every commit up to this ticket is on disk
        self._flushing = False
        #: How many flushes ran (for tests and figures).
        self.flushes = 0

    def ticket(self) -> int:
        """Note a commit that has just been made; returns its ticket."""
        with self._changed:
            self._committed += 1
            return self._committed

    def flush_through(self, ticket: int) -> None:
        """Return once the commit holding ``ticket`` (and every earlier one) is on disk."""
        with self._changed:
            while self._flushed < ticket:
                if self._flushing:
                    self._changed.wait()
                    continue
                self._flushing = True
                target = self._committed  # all of these committed before the flush begins
                self._changed.release()
                try:
                    self._flush_log()
                finally:
                    self._changed.acquire()
                    self._flushing = False
                    self._changed.notify_all()
                self._flushed = max(self._flushed, target)
                self.flushes += 1

    def after_commit(self) -> None:
        """What a transaction does once it has committed: flush now, or leave the flush
        to the caller that opened :func:`deferred_flushes`."""
        ticket = self.ticket()
        deferred = _DEFERRED.get()
        if deferred is None:
            self.flush_through(ticket)
        else:
            deferred.owe(self, ticket)

    def _flush_log(self) -> None:
        # The log is opened each time: SQLite may remove it when its last connection closes
        # (a command run beside the service), and a new one is then a new file.
        try:
            descriptor = os.open(self.log_path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return  # no log: everything was checkpointed into the database file and synced
        try:
            fdatasync(descriptor)
        finally:
            os.close(descriptor)


@dataclass
class DeferredFlush:
    """The flush owed by commits made within one :func:`deferred_flushes` block."""

    owed: dict[LogFlusher, int] = field(default_factory=dict)

    def owe(self, flusher: LogFlusher, ticket: int) -> None:
        """Note that ``flusher`` must flush through ``ticket`` before the answer."""
        self.owed[flusher] = max(ticket, self.owed.get(flusher, 0))

    def wait(self) -> None:
        """Block until every commit noted so far is on disk (then nothing is owed)."""
        while self.owed:
            flusher, ticket = self.owed.popitem()
            flusher.flush_through(ticket)


_DEFERRED: ContextVar[DeferredFlush | None] = ContextVar("deferred_flush", default=None)


@contextmanager
def deferred_flushes() -> Iterator[DeferredFlush]:
    """Within the block (and the threads it hands work to with its context), commits do
    not wait for the disk; the caller must call :meth:`DeferredFlush.wait` before it
    reports any of them."""
    deferred = DeferredFlush()
    token = _DEFERRED.set(deferred)
    try:
        yield deferred
    finally:
        _DEFERRED.reset(token)
