"""Tables of the web service's accounts: password hashes, browser sessions, API tokens,
sign-in attempts and throttles.

Secrets are never stored: passwords as argon2 hashes, session ids and API tokens as
SHA-256 digests (both are long random values, so a fast digest is enough). Sign-in attempts
keep no typed name and no address: only keyed hashes of them (HMAC with the instance's
secret), so a name typed by mistake (a password in the name field) is not kept.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from patrolgate.store.column_types import UTCDateTime
from patrolgate.store.tables import Base


class PasswordRow(Base):
    """A user's argon2 password hash."""

    __tablename__ = "account_passwords"

    login: Mapped[str] = mapped_column(ForeignKey("users.login"), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: A demo account's password (``patrolgate demo``): it signs in in demo mode only.
    demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class WebSessionRow(Base):
    """A signed-in browser session, by the digest of its cookie value."""

    __tablename__ = "account_sessions"

    id_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    login: Mapped[str] = mapped_column(ForeignKey("users.login"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    idle_until: Mapped[datetime] = mapped_column(UTCDateTime())


class ApiTokenRow(Base):
    """An API token for scripts, by the digest of its secret; revoked tokens stay listed."""

    __tablename__ = "account_tokens"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    login: Mapped[str] = mapped_column(ForeignKey("users.login"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    secret_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LoginAttemptRow(Base):
    """One sign-in attempt that was checked: keyed hashes of the login and the client, and
    whether the login named an account. Never the typed name or the address."""

    __tablename__ = "account_login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    login_key: Mapped[str] = mapped_column(String(64))
    client_key: Mapped[str] = mapped_column(String(64))
    known_login: Mapped[bool] = mapped_column(Boolean)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_account_login_attempts_login_key_at", "login_key", "at"),
        Index("ix_account_login_attempts_client_key_at", "client_key", "at"),
    )


class ThrottleRow(Base):
    """Failed sign-ins counted against one key (an account, an account on a known browser,
    or a client) and when the next attempt may be checked; shared by every worker."""

    __tablename__ = "account_throttles"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
