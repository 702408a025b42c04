"""Accounts of the web service: passwords, sign-in with throttling, sessions, API tokens.

Passwords are argon2 hashes; session ids and API token secrets are random and stored as
SHA-256 digests, so a copy of the database signs nobody in. Security timers (session
expiry, throttling) run on the wall clock, never on the workflow's settable clock.
Changes to accounts go on the audit trail like every other change.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select, update

from patrolgate.errors import InvalidInput, NotFound, PatrolGateError, Refused
from patrolgate.policy import Rank, Role
from patrolgate.store import Database
from patrolgate.store.account_tables import (
    ApiTokenRow,
    LoginAttemptRow,
    PasswordRow,
    WebSessionRow,
)
from patrolgate.store.audit_repository import append_entry
from patrolgate.store.workflow_tables import UserRow
from patrolgate.workflow import Actor
from patrolgate.workflow.actors import actor_of

TOKEN_PREFIX = "pgt_"
MIN_PASSWORD = 10


class NotSignedIn(PatrolGateError):
    """No valid session or token: sign in first."""

    exit_code = 3
    http_status = 401
    title = "Not signed in"


class TooManyAttempts(PatrolGateError):
    """Sign-in throttled after repeated failures."""

    exit_code = 3
    http_status = 429
    title = "Too many sign-in attempts"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class CsrfRefused(Refused):
    """A state-changing request without the right CSRF token."""

    title = "CSRF check failed"


@dataclass(frozen=True)
class Throttle:
    """Failures allowed per login and per client address within ``window``."""

    per_login: int = 5
    per_client: int = 20
    window: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class SessionPolicy:
    """How long sessions last: absolute lifetime and idle timeout."""

    lifetime: timedelta = timedelta(hours=8)
    idle: timedelta = timedelta(minutes=30)


@dataclass(frozen=True)
class SignedIn:
    """A new browser session: the cookie value (secret) and its CSRF token."""

    session_id: str
    csrf_token: str
    actor: Actor


@dataclass(frozen=True)
class Identity:
    """Who a request comes from, and how (session or token)."""

    actor: Actor
    csrf_token: str | None = None
    via_token: bool = False


def digest(secret: str) -> str:
    """The SHA-256 hex digest stored in place of a random secret."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def wall_clock() -> datetime:
    """The real time, for security timers."""
    return datetime.now(UTC)


class Accounts:
    """Password, session and token services over one database."""

    def __init__(
        self,
        database: Database,
        *,
        clock: Callable[[], datetime] = wall_clock,
        throttle: Throttle | None = None,
        sessions: SessionPolicy | None = None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.throttle = throttle or Throttle()
        self.session_policy = sessions or SessionPolicy()
        # Light parameters keep sign-in fast on a 2-core server; still memory-hard.
        self.hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
        self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))

    # -- passwords -----------------------------------------------------------------------

    def set_password(self, by: str | None, login: str, password: str) -> None:
        """Set ``login``'s password: an admin for anyone, a user for themself."""
        if len(password) < MIN_PASSWORD:
            raise InvalidInput(f"a password needs at least {MIN_PASSWORD} characters")
        now = self.clock()
        with self.database.transaction() as session:
            target = session.get(UserRow, login)
            if target is None:
                raise InvalidInput(f"no user {login!r}")
            if by is not None and by != login:
                actor = session.get(UserRow, by)
                if actor is None or actor.role != Role.ADMIN.value or not actor.active:
                    raise Refused("only an administrator sets another user's password")
            row = session.get(PasswordRow, login)
            hashed = self.hasher.hash(password)
            if row is None:
                session.add(PasswordRow(login=login, password_hash=hashed, updated_at=now))
            else:
                row.password_hash, row.updated_at = hashed, now
            # A new password ends every session of the user.
            session.execute(delete(WebSessionRow).where(WebSessionRow.login == login))
            append_entry(
                session,
                recorded_at=now,
                actor=by,
                action="account.password-set",
                subject=f"user:{login}",
                payload={"login": login},
            )

    # -- sign in and sessions --------------------------------------------------------------

    def _check_throttle(self, login: str, client: str, now: datetime) -> None:
        since = now - self.throttle.window
        with self.database.sessions() as session:
            by_login = session.scalar(
                select(func.count())
                .select_from(LoginAttemptRow)
                .where(
                    LoginAttemptRow.login == login,
                    LoginAttemptRow.at >= since,
                    LoginAttemptRow.succeeded.is_(False),
                )
            )
            by_client = session.scalar(
                select(func.count())
                .select_from(LoginAttemptRow)
                .where(
                    LoginAttemptRow.client == client,
                    LoginAttemptRow.at >= since,
                    LoginAttemptRow.succeeded.is_(False),
                )
            )
        if (by_login or 0) >= self.throttle.per_login or (by_client or 0) >= (
            self.throttle.per_client
        ):
            raise TooManyAttempts(
                "too many failed sign-in attempts; wait and try again",
                int(self.throttle.window.total_seconds()),
            )

    def sign_in(self, login: str, password: str, client: str) -> SignedIn:
        """Check the password (throttled) and open a new session with a fresh id."""
        login = login.strip().lower()[:64]
        client = client[:64]
        now = self.clock()
        self._check_throttle(login, client, now)
        with self.database.sessions() as session:
            user = session.get(UserRow, login)
            stored = session.get(PasswordRow, login)
            stored_hash = stored.password_hash if stored is not None else None
        ok = False
        try:
            # Verify against a dummy hash too, so unknown logins take as long as known ones.
            ok = self.hasher.verify(stored_hash or self._dummy_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        ok = ok and stored_hash is not None and user is not None and user.active
        with self.database.transaction() as session:
            session.add(LoginAttemptRow(login=login, client=client, succeeded=ok, at=now))
            if not ok:
                append_entry(
                    session,
                    recorded_at=now,
                    actor=None,
                    action="account.sign-in-failed",
                    subject=f"user:{login}",
                    payload={"login": login},
                )
        if not ok or user is None:
            raise NotSignedIn("unknown user or wrong password")
        session_id = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        with self.database.transaction() as session:
            session.add(
                WebSessionRow(
                    id_digest=digest(session_id),
                    login=login,
                    csrf_token=csrf,
                    created_at=now,
                    expires_at=now + self.session_policy.lifetime,
                    idle_until=now + self.session_policy.idle,
                )
            )
            append_entry(
                session,
                recorded_at=now,
                actor=login,
                action="account.signed-in",
                subject=f"user:{login}",
                payload={"login": login},
            )
        return SignedIn(session_id, csrf, actor_of(user))

    def session_identity(self, session_id: str) -> Identity | None:
        """The user of a live session (sliding its idle timeout), or None."""
        now = self.clock()
        key = digest(session_id)
        with self.database.reads() as session:
            found = session.execute(
                select(WebSessionRow, UserRow)
                .join(UserRow, UserRow.login == WebSessionRow.login)
                .where(WebSessionRow.id_digest == key)
            ).first()
            if found is None:
                return None
            row, user = found
            if now >= row.expires_at or now >= row.idle_until:
                return None
            if not user.active:
                return None
            csrf, idle_until = row.csrf_token, row.idle_until
        fresh = now + self.session_policy.idle
        if fresh - idle_until > timedelta(minutes=1):  # write at most once a minute
            with self.database.transaction() as session:
                session.execute(
                    update(WebSessionRow)
                    .where(WebSessionRow.id_digest == key)
                    .values(idle_until=fresh)
                    .execution_options(synchronize_session=False)
                )
        return Identity(actor_of(user), csrf_token=csrf)

    def sign_out(self, session_id: str) -> None:
        """End a session."""
        with self.database.transaction() as session:
            session.execute(
                delete(WebSessionRow).where(WebSessionRow.id_digest == digest(session_id))
            )

    # -- API tokens ------------------------------------------------------------------------

    def create_token(self, login: str, name: str) -> tuple[str, dict[str, Any]]:
        """A new token for ``login`` (shown once); returns the token and its record."""
        name = name.strip()
        if not 1 <= len(name) <= 100:
            raise InvalidInput("name the token (1 to 100 characters)")
        token_id = "tok_" + secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        now = self.clock()
        with self.database.transaction() as session:
            row = ApiTokenRow(
                id=token_id,
                login=login,
                name=name,
                secret_digest=digest(secret),
                created_at=now,
                revoked_at=None,
            )
            session.add(row)
            session.flush()
            append_entry(
                session,
                recorded_at=now,
                actor=login,
                action="account.token-created",
                subject=f"token:{token_id}",
                payload={"token": token_id, "name": name, "login": login},
            )
            record = _token_record(row)
        return f"{TOKEN_PREFIX}{token_id[4:]}_{secret}", record

    def list_tokens(self, login: str) -> list[dict[str, Any]]:
        """The user's tokens, revoked ones included, without secrets."""
        with self.database.sessions() as session:
            rows = session.scalars(
                select(ApiTokenRow)
                .where(ApiTokenRow.login == login)
                .order_by(ApiTokenRow.created_at, ApiTokenRow.id)
            )
            return [_token_record(r) for r in rows]

    def revoke_token(self, by: Actor, token_id: str) -> dict[str, Any]:
        """Revoke a token: its owner or an administrator."""
        now = self.clock()
        with self.database.transaction() as session:
            row = session.get(ApiTokenRow, token_id)
            if row is None or (row.login != by.login and by.role is not Role.ADMIN):
                raise NotFound(f"no token {token_id!r} of yours")
            if row.revoked_at is None:
                row.revoked_at = now
                append_entry(
                    session,
                    recorded_at=now,
                    actor=by.login,
                    action="account.token-revoked",
                    subject=f"token:{token_id}",
                    payload={"token": token_id, "login": row.login},
                )
            return _token_record(row)

    def token_identity(self, token: str) -> Identity | None:
        """The user of a live token, or None."""
        if not token.startswith(TOKEN_PREFIX) or "_" not in token[len(TOKEN_PREFIX) :]:
            return None
        short, secret = token[len(TOKEN_PREFIX) :].split("_", 1)
        # One query (token joined to its user), for every API request.
        with self.database.reads() as session:
            # Columns, not a user entity: no object to build and track for each request.
            found = session.execute(
                select(
                    ApiTokenRow.id,
                    ApiTokenRow.revoked_at,
                    UserRow.active,
                    UserRow.login,
                    UserRow.role,
                    UserRow.rank,
                    UserRow.borough_code,
                )
                .join(UserRow, UserRow.login == ApiTokenRow.login)
                .where(ApiTokenRow.secret_digest == digest(secret))
            ).first()
            if found is None:
                return None
            token_id, revoked_at, active, login, role, rank, borough = found
            if revoked_at is not None or token_id != f"tok_{short}" or not active:
                return None
            return Identity(Actor(login, Role(role), Rank(rank), borough), via_token=True)


def _token_record(row: ApiTokenRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "login": row.login,
        "created_at": row.created_at.isoformat(),
        "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
    }


def csrf_matches(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison of CSRF tokens; absent tokens never match."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))
