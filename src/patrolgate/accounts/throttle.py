"""Sign-in throttling that cannot be turned against an account's owner.

Failures are counted per key, in the database, so every worker shares them:

- the account, as tried from anywhere (``account:``): a few free failures, then each attempt
  waits a delay that doubles with every further failure, up to a ceiling; never a hard lock;
- the account on a browser that signed in to it before (``device:``), counted on its own,
  so a stranger's guesses do not delay the owner's own browser;
- the client (``client:``, the real client address, proxies believed only when configured).

An attempt *reserves* its failure before the password is checked, in one transaction that
locks the keys' rows (SQLite's write lock; PostgreSQL's row locks), and a success gives the
reservation back. So two workers checking at once never check more guesses than the limit.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from patrolgate.errors import PatrolGateError
from patrolgate.store.account_tables import ThrottleRow


class TooManyAttempts(PatrolGateError):
    """Sign-in throttled after repeated failures: wait ``retry_after`` seconds."""

    exit_code = 3
    http_status = 429
    title = "Too many sign-in attempts"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Throttle:
    """How failures slow sign-in down.

    ``per_login`` failures of an account (and ``per_client`` of a client) may come at once;
    after that many, the next attempt waits ``first_delay``, doubled with each further
    failure, at most ``max_delay``. A key with no failure for ``forget_after`` starts afresh.
    """

    per_login: int = 5
    per_client: int = 20
    first_delay: timedelta = timedelta(seconds=2)
    max_delay: timedelta = timedelta(minutes=15)
    forget_after: timedelta = timedelta(hours=1)

    def delay(self, failures: int, free: int) -> timedelta:
        """How long after its latest failure a key with ``failures`` may be tried again."""
        beyond = failures - free
        if beyond < 0:
            return timedelta(0)
        seconds = self.first_delay.total_seconds() * 2 ** min(beyond, 30)
        return min(timedelta(seconds=seconds), self.max_delay)


@dataclass(frozen=True)
class ThrottleKey:
    """One counter: its stored key and how many of its failures are free."""

    key: str
    free: int


def keyed_hash(secret: str, kind: str, value: str) -> str:
    """HMAC-SHA256 of ``value`` under the instance's secret: stable, but not reversible and
    not comparable across instances (a typed password in the name field is not kept)."""
    message = f"{kind}\0{value}".encode()
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def _lock_rows(session: Session, keys: Sequence[str]) -> dict[str, ThrottleRow]:
    """The keys' rows, created if missing, locked until the transaction ends."""
    dialect = session.get_bind().dialect.name
    values = [{"key": k, "failures": 0} for k in keys]
    if dialect == "postgresql":
        session.execute(postgresql.insert(ThrottleRow).values(values).on_conflict_do_nothing())
    else:  # SQLite: the transaction already holds the database's write lock
        session.execute(sqlite.insert(ThrottleRow).values(values).on_conflict_do_nothing())
    rows = session.scalars(
        select(ThrottleRow)
        .where(ThrottleRow.key.in_(keys))
        .order_by(ThrottleRow.key)
        .with_for_update()
    )
    return {row.key: row for row in rows}


def reserve(session: Session, policy: Throttle, keys: Sequence[ThrottleKey], now: datetime) -> None:
    """Count one failure against every key in advance, or refuse if any key must still wait.

    Call inside a write transaction; the caller gives the failure back (:func:`give_back`)
    if the password was right.
    """
    rows = _lock_rows(session, sorted(k.key for k in keys))
    wait = timedelta(0)
    for row in rows.values():
        if row.last_failure_at is not None and now - row.last_failure_at >= policy.forget_after:
            row.failures, row.next_attempt_at = 0, None
        if row.next_attempt_at is not None and row.next_attempt_at > now:
            wait = max(wait, row.next_attempt_at - now)
    if wait > timedelta(0):
        raise TooManyAttempts(
            "too many failed sign-in attempts; wait and try again",
            max(1, math.ceil(wait.total_seconds())),
        )
    for key in keys:
        row = rows[key.key]
        row.failures += 1
        row.last_failure_at = now
        row.next_attempt_at = now + policy.delay(row.failures, key.free)


def give_back(
    session: Session,
    policy: Throttle,
    keys: Sequence[ThrottleKey],
    *,
    forgive: Sequence[str] = (),
) -> None:
    """Undo a reservation after a right password; the ``forgive`` keys start afresh."""
    rows = _lock_rows(session, sorted(k.key for k in keys))
    for key in keys:
        row = rows[key.key]
        if key.key in forgive:
            row.failures, row.next_attempt_at = 0, None
            continue
        row.failures = max(row.failures - 1, 0)
        if row.last_failure_at is not None:
            row.next_attempt_at = row.last_failure_at + policy.delay(row.failures, key.free)
