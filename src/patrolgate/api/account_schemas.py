"""Request and response bodies of the accounts routes."""

from __future__ import annotations

from pydantic import BaseModel, Field

from patrolgate.api.schemas import Body
from patrolgate.policy import Rank, Role


class Me(BaseModel):
    """The signed-in user."""

    login: str
    role: str
    rank: str
    borough_code: str | None = None


class TokenCreate(Body):
    """A new API token's name."""

    name: str = Field(min_length=1, max_length=100)


class TokenRecord(BaseModel):
    """An API token, without its secret."""

    id: str
    name: str
    login: str
    created_at: str
    revoked_at: str | None = None


class TokenCreated(TokenRecord):
    """A new token: the secret is shown this once."""

    token: str


class UserCreate(Body):
    """A new user (administrators only) with an initial password."""

    login: str = Field(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9._-]{1,63}$")
    role: Role
    rank: Rank
    borough_code: str | None = Field(default=None, max_length=32)
    password: str = Field(min_length=10, max_length=200)


class PasswordChange(Body):
    """My new password, with my current one."""

    current_password: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=10, max_length=200)


class PasswordReset(Body):
    """Another user's new password (administrators)."""

    password: str = Field(min_length=10, max_length=200)


class UserRecord(Me):
    """A user and whether they may act."""

    active: bool


class UserAccess(UserRecord):
    """A user after an administrator changed their access, with what it ended."""

    sessions_ended: int = 0
    tokens_revoked: int = 0
