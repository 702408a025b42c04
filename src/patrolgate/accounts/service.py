"""Accounts of the web service: passwords, sign-in with throttling, sessions, API tokens.

Passwords are argon2 hashes; session ids and API token secrets are random and stored as
SHA-256 digests, so a copy of the database signs nobody in. Security timers (session
expiry, throttling) run on the wall clock, never on the workflow's settable clock.
Changes to accounts go on the audit trail like every other change. People are matched by
their canonical login (:func:`~patrolgate.workflow.actors.canonical_login`) everywhere.
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
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from patrolgate.accounts.throttle import Throttle, ThrottleKey, give_back, keyed_hash, reserve
from patrolgate.errors import InvalidInput, NotFound, PatrolGateError, Refused
from patrolgate.policy import Rank, Role
from patrolgate.settings import DEVELOPMENT_SECRET, Mode
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
from patrolgate.workflow.actors import actor_of, canonical_login

TOKEN_PREFIX = "pgt_"
MIN_PASSWORD = 10
MAX_PASSWORD = 200


class NotSignedIn(PatrolGateError):
    """No valid session or token: sign in first."""

    exit_code = 3
    http_status = 401
    title = "Not signed in"


class CsrfRefused(Refused):
    """A state-changing request without the right CSRF token."""

    title = "CSRF check failed"


class DemoAccountRefused(Refused):
    """A demo account outside demo mode."""

    title = "Demo account"


@dataclass(frozen=True)
class SessionPolicy:
    """How long sessions last: absolute lifetime and idle timeout."""

    lifetime: timedelta = timedelta(hours=8)
    idle: timedelta = timedelta(minutes=30)


@dataclass(frozen=True)
class SignedIn:
    """A new browser session: the cookie value (secret), its CSRF token, and the value of
    the cookie that marks this browser as one that signed in to the account before."""

    session_id: str
    csrf_token: str
    actor: Actor
    known_browser: str


@dataclass(frozen=True)
class Identity:
    """Who a request comes from, and how (session or token)."""

    actor: Actor
    csrf_token: str | None = None
    via_token: bool = False
    #: The digest of the session's id, so a password change can keep this session only.
    session_digest: str | None = None


def digest(secret: str) -> str:
    """The SHA-256 hex digest stored in place of a random secret."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def wall_clock() -> datetime:
    """The real time, for security timers."""
    return datetime.now(UTC)


def check_new_password(password: str) -> None:
    """Refuse a password too short or absurdly long."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(
            f"a password needs {MIN_PASSWORD} to {MAX_PASSWORD} characters, not {len(password)}"
        )


class Accounts:
    """Password, session and token services over one database."""

    def __init__(
        self,
        database: Database,
        *,
        clock: Callable[[], datetime] = wall_clock,
        throttle: Throttle | None = None,
        sessions: SessionPolicy | None = None,
        secret_key: str = DEVELOPMENT_SECRET,
        mode: Mode = Mode.DEVELOPMENT,
    ) -> None:
        self.database = database
        self.clock = clock
        self.throttle = throttle or Throttle()
        self.session_policy = sessions or SessionPolicy()
        self.mode = mode
        self._secret = secret_key
        # Light parameters keep sign-in fast on a 2-core server; still memory-hard.
        self.hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
        self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))

    # -- passwords -----------------------------------------------------------------------

    def set_password(
        self, by: str | None, login: str, password: str, *, demo: bool = False
    ) -> None:
        """Set ``login``'s first password: an administrator (``by``), or set-up (``None``).

        People change their own password with :meth:`change_password` (it needs the current
        one) and administrators reset another's with :meth:`reset_password`.
        """
        check_new_password(password)
        login = canonical_login(login)
        now = self.clock()
        with self.database.transaction() as session:
            if by is not None:
                self._admin(session, by, "sets another user's password")
            self._store_password(session, login, password, now, demo=demo)
            session.execute(delete(WebSessionRow).where(WebSessionRow.login == login))
            append_entry(
                session,
                recorded_at=now,
                actor=canonical_login(by) if by else None,
                action="account.password-set",
                subject=f"user:{login}",
                payload={"login": login, "demo": demo},
            )

    def _store_password(
        self, session: Session, login: str, password: str, now: datetime, *, demo: bool = False
    ) -> None:
        if session.get(UserRow, login) is None:
            raise InvalidInput(f"no user {login!r}")
        row = session.get(PasswordRow, login)
        hashed = self.hasher.hash(password)
        if row is None:
            session.add(PasswordRow(login=login, password_hash=hashed, updated_at=now, demo=demo))
        else:
            row.password_hash, row.updated_at, row.demo = hashed, now, demo

    def _admin(self, session: Session, by: Actor | str, doing: str) -> Actor:
        login = by.login if isinstance(by, Actor) else canonical_login(by)
        row = session.get(UserRow, login)
        if row is None or row.role != Role.ADMIN.value or not row.active:
            raise Refused(f"only an administrator {doing}")
        return actor_of(row)

    def change_password(
        self, identity: Identity, current: str, new: str, client: str = "unknown"
    ) -> None:
        """Change one's own password: the current one is checked (throttled like a sign-in);
        every other session of the user ends and every token of theirs is revoked."""
        check_new_password(new)
        login = identity.actor.login
        self._check_password(login, current, client, None, purpose="password change")
        now = self.clock()
        with self.database.transaction() as session:
            self._store_password(session, login, new, now)
            ended = self._end_access(session, login, now, keep=identity.session_digest)
            append_entry(
                session,
                recorded_at=now,
                actor=login,
                action="account.password-changed",
                subject=f"user:{login}",
                payload={"login": login, **ended},
            )

    def reset_password(self, by: Actor | str, login: str, password: str) -> None:
        """An administrator sets another user's password: all their sessions end and all their
        tokens are revoked."""
        check_new_password(password)
        login = canonical_login(login)
        now = self.clock()
        with self.database.transaction() as session:
            admin = self._admin(session, by, "resets another user's password")
            if admin.login == login:
                raise Refused("change your own password with the current one, not a reset")
            self._store_password(session, login, password, now)
            ended = self._end_access(session, login, now)
            append_entry(
                session,
                recorded_at=now,
                actor=admin.login,
                action="account.password-reset",
                subject=f"user:{login}",
                payload={"login": login, **ended},
            )

    def _end_access(
        self, session: Session, login: str, now: datetime, keep: str | None = None
    ) -> dict[str, int]:
        """End the user's sessions (but ``keep``) and revoke their live tokens."""
        sessions = delete(WebSessionRow).where(WebSessionRow.login == login)
        if keep is not None:
            sessions = sessions.where(WebSessionRow.id_digest != keep)
        ended = session.execute(sessions.execution_options(synchronize_session=False))
        revoked = session.execute(
            update(ApiTokenRow)
            .where(ApiTokenRow.login == login, ApiTokenRow.revoked_at.is_(None))
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        )
        return {
            "sessions_ended": int(ended.rowcount),  # type: ignore[attr-defined]
            "tokens_revoked": int(revoked.rowcount),  # type: ignore[attr-defined]
        }

    # -- users -------------------------------------------------------------------------------

    def set_active(self, by: Actor | str, login: str, *, active: bool) -> dict[str, Any]:
        """An administrator deactivates (or reactivates) a user; deactivation ends their
        sessions and revokes their tokens at once."""
        login = canonical_login(login)
        now = self.clock()
        with self.database.transaction() as session:
            admin = self._admin(session, by, "deactivates or reactivates users")
            row = session.get(UserRow, login)
            if row is None:
                raise InvalidInput(f"no user {login!r}")
            if admin.login == login:
                raise Refused("an administrator cannot deactivate themself")
            ended = {"sessions_ended": 0, "tokens_revoked": 0}
            if row.active != active:
                row.active = active
                if not active:
                    ended = self._end_access(session, login, now)
                append_entry(
                    session,
                    recorded_at=now,
                    actor=admin.login,
                    action="user.reactivated" if active else "user.deactivated",
                    subject=f"user:{login}",
                    payload={"login": login, **ended},
                )
            return {**actor_of(row).as_dict(), "active": row.active, **ended}

    def disable_demo_accounts(self) -> list[str]:
        """Outside demo mode: deactivate the demo accounts (a database built by ``patrolgate
        demo``), on the record; returns their logins."""
        if self.mode is Mode.DEMO:
            return []
        now = self.clock()
        with self.database.transaction() as session:
            logins = list(
                session.scalars(
                    select(UserRow.login)
                    .join(PasswordRow, PasswordRow.login == UserRow.login)
                    .where(PasswordRow.demo.is_(True), UserRow.active.is_(True))
                    .order_by(UserRow.login)
                )
            )
            if not logins:
                return []
            session.execute(
                update(UserRow)
                .where(UserRow.login.in_(logins))
                .values(active=False)
                .execution_options(synchronize_session=False)
            )
            for login in logins:
                self._end_access(session, login, now)
            append_entry(
                session,
                recorded_at=now,
                actor=None,
                action="account.demo-disabled",
                subject="accounts",
                reason=f"{self.mode.value} mode: demo accounts sign in in demo mode only",
                payload={"logins": logins},
            )
        return logins

    # -- sign in and sessions --------------------------------------------------------------

    def _browser_signature(self, login: str, browser: str) -> str:
        return keyed_hash(self._secret, "known-browser", login + "\0" + browser)

    def _known_browser(self, login: str, cookie: str | None) -> str | None:
        """The browser id of a valid known-browser cookie for ``login``, or None."""
        if not cookie or "." not in cookie:
            return None
        browser, signature = cookie.split(".", 1)
        expected = self._browser_signature(login, browser)
        return browser if hmac.compare_digest(signature, expected) else None

    def _browser_cookie(self, login: str, browser: str | None) -> str:
        """A known-browser cookie for ``login``: the browser's id and its signature."""
        browser = browser or secrets.token_urlsafe(16)
        return f"{browser}.{self._browser_signature(login, browser)}"

    def _check_password(
        self,
        typed_login: str,
        password: str,
        client: str,
        known_browser: str | None,
        *,
        purpose: str = "sign-in",
    ) -> tuple[UserRow, str | None]:
        """Check a password, throttled and recorded; returns the user and the known browser."""
        login = canonical_login(typed_login)[:200]
        now = self.clock()
        with self.database.sessions() as session:
            user = session.get(UserRow, login)
            stored = session.get(PasswordRow, login)
            stored_hash = stored.password_hash if stored is not None else None
            demo = stored is not None and stored.demo
            if user is not None:
                session.expunge(user)
        if demo and self.mode is not Mode.DEMO:
            raise DemoAccountRefused(
                f"{login} is a demo account: demo accounts sign in in demo mode only "
                f"(PATROLGATE_MODE=demo), and this instance runs in {self.mode.value} mode"
            )
        login_key = keyed_hash(self._secret, "login", login)
        client_key = keyed_hash(self._secret, "client", client)
        browser = self._known_browser(login, known_browser) if user is not None else None
        if browser is not None:  # a browser that signed in to this account before
            own = keyed_hash(self._secret, "browser", login + "\0" + browser)
            account = ThrottleKey(f"browser:{own}", self.throttle.per_login)
        else:
            account = ThrottleKey(f"account:{login_key}", self.throttle.per_login)
        keys = [account, ThrottleKey(f"client:{client_key}", self.throttle.per_client)]
        with self.database.transaction() as session:
            reserve(session, self.throttle, keys, now)
        ok = False
        try:
            # Verify against a dummy hash too, so unknown logins take as long as known ones.
            ok = self.hasher.verify(stored_hash or self._dummy_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        ok = ok and stored_hash is not None and user is not None and user.active
        with self.database.transaction() as session:
            session.add(
                LoginAttemptRow(
                    login_key=login_key,
                    client_key=client_key,
                    known_login=user is not None,
                    succeeded=ok,
                    at=now,
                )
            )
            if ok:
                give_back(session, self.throttle, keys, forgive=[account.key])
            else:
                append_entry(
                    session,
                    recorded_at=now,
                    actor=None,
                    action="account.sign-in-failed",
                    subject=f"user:{login}" if user is not None else None,
                    payload={
                        "login_key": login_key,
                        "client_key": client_key,
                        "known_login": user is not None,
                        "purpose": purpose,
                    },
                )
        if not ok or user is None:
            raise NotSignedIn("unknown user or wrong password")
        return user, browser

    def authenticate(self, login: str, password: str, client: str) -> Actor:
        """Check a password for a command-line user (throttled and recorded like a sign-in)."""
        user, _ = self._check_password(login, password, client, None)
        with self.database.transaction() as session:
            append_entry(
                session,
                recorded_at=self.clock(),
                actor=user.login,
                action="account.signed-in",
                subject=f"user:{user.login}",
                payload={"login": user.login, "via": "command line"},
            )
        return actor_of(user)

    def sign_in(
        self, login: str, password: str, client: str, known_browser: str | None = None
    ) -> SignedIn:
        """Check the password (throttled) and open a new session with a fresh id."""
        user, browser = self._check_password(login, password, client, known_browser)
        now = self.clock()
        session_id = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        with self.database.transaction() as session:
            session.add(
                WebSessionRow(
                    id_digest=digest(session_id),
                    login=user.login,
                    csrf_token=csrf,
                    created_at=now,
                    expires_at=now + self.session_policy.lifetime,
                    idle_until=now + self.session_policy.idle,
                )
            )
            append_entry(
                session,
                recorded_at=now,
                actor=user.login,
                action="account.signed-in",
                subject=f"user:{user.login}",
                payload={"login": user.login},
            )
        return SignedIn(session_id, csrf, actor_of(user), self._browser_cookie(user.login, browser))

    def session_identity(self, session_id: str) -> Identity | None:
        """The user of a live session (sliding its idle timeout), or None."""
        now = self.clock()
        key = digest(session_id)
        with self.database.reads() as session:
            found = session.execute(
                select(WebSessionRow, UserRow, PasswordRow.demo)
                .join(UserRow, UserRow.login == WebSessionRow.login)
                .outerjoin(PasswordRow, PasswordRow.login == UserRow.login)
                .where(WebSessionRow.id_digest == key)
            ).first()
            if found is None:
                return None
            row, user, demo = found
            if now >= row.expires_at or now >= row.idle_until:
                return None
            if not user.active or (demo and self.mode is not Mode.DEMO):
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
        return Identity(actor_of(user), csrf_token=csrf, session_digest=key)

    def sign_out(self, session_id: str) -> None:
        """End a session."""
        with self.database.transaction() as session:
            session.execute(
                delete(WebSessionRow).where(WebSessionRow.id_digest == digest(session_id))
            )

    # -- API tokens ------------------------------------------------------------------------

    def create_token(self, owner: Identity | str, name: str) -> tuple[str, dict[str, Any]]:
        """A new token for the signed-in user (shown once); returns the token and its record.

        A token cannot mint tokens: whoever holds one must sign in with the password first.
        A login (not an identity) is for set-up scripts that hold the database itself.
        """
        if isinstance(owner, Identity) and owner.via_token:
            raise Refused("an API token cannot create tokens; sign in with your password")
        login = owner.actor.login if isinstance(owner, Identity) else canonical_login(owner)
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

    def list_tokens(self, by: Actor, login: str | None = None) -> list[dict[str, Any]]:
        """A user's tokens, revoked ones included, without secrets: one's own, or anyone's
        for an administrator."""
        owner = canonical_login(login) if login else by.login
        if owner != by.login and by.role is not Role.ADMIN:
            raise Refused("only an administrator lists another user's tokens")
        with self.database.sessions() as session:
            if session.get(UserRow, owner) is None:
                raise InvalidInput(f"no user {owner!r}")
            rows = session.scalars(
                select(ApiTokenRow)
                .where(ApiTokenRow.login == owner)
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
        """The user of a live token, or None; a demo account's token is refused outside demo
        mode, saying why."""
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
                    PasswordRow.demo,
                )
                .join(UserRow, UserRow.login == ApiTokenRow.login)
                .outerjoin(PasswordRow, PasswordRow.login == UserRow.login)
                .where(ApiTokenRow.secret_digest == digest(secret))
            ).first()
            if found is None:
                return None
            token_id, revoked_at, active, login, role, rank, borough, demo = found
            if revoked_at is not None or token_id != f"tok_{short}" or not active:
                return None
            if demo and self.mode is not Mode.DEMO:
                raise DemoAccountRefused(
                    f"{login} is a demo account: its tokens work in demo mode only"
                )
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
