"""Tables of the web service's accounts: password hashes, browser sessions, API tokens.

Secrets are never stored: passwords as argon2 hashes, session ids and API tokens as
SHA-256 digests (both are long random values, so a fast digest is enough).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from patrolgate.store.column_types import UTCDateTime
from patrolgate.store.tables import Base


class PasswordRow(Base):
    """A user's argon2 password hash."""

    __tablename__ = "account_passwords"

    login: Mapped[str] = mapped_column(ForeignKey("users.login"), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


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
    """One sign-in attempt, kept for throttling (by login and by client address)."""

    __tablename__ = "account_login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    login: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_account_login_attempts_login_at", "login", "at"),
        Index("ix_account_login_attempts_client_at", "client", "at"),
    )
