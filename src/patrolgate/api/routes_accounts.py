"""``/api/v1/me``, ``/api/v1/tokens``, ``/api/v1/users``: who I am, tokens, administration."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Path, Request
from sqlalchemy import select

from patrolgate.api.account_schemas import (
    Me,
    PasswordChange,
    PasswordReset,
    TokenCreate,
    TokenCreated,
    TokenRecord,
    UserAccess,
    UserCreate,
    UserRecord,
)
from patrolgate.api.dependencies import ActorDep, IdentityDep, ServicesDep, client_address
from patrolgate.api.schemas import PROBLEM_RESPONSES, Problem
from patrolgate.store.workflow_tables import UserRow
from patrolgate.workflow.actors import actor_of

router = APIRouter(prefix="/api/v1", tags=["accounts"], responses=PROBLEM_RESPONSES)

Login = Path(min_length=1, max_length=64, description="The user's login")


@router.get("/me", summary="The signed-in user")
def me(actor: ActorDep) -> Me:
    """Login, role, rank and borough."""
    return Me(**actor.as_dict())


#: A password check is throttled like a sign-in.
THROTTLED: dict[int | str, dict[str, object]] = {
    429: {
        "description": "Too many failed password checks: wait Retry-After seconds",
        "content": {"application/problem+json": {"schema": Problem.model_json_schema()}},
    }
}


@router.put("/me/password", status_code=204, summary="Change my password", responses=THROTTLED)
async def change_password(
    request: Request, body: PasswordChange, services: ServicesDep, found: IdentityDep
) -> None:
    """Set a new password, given the current one; every other session of mine ends and every
    token of mine is revoked (this session stays)."""
    await asyncio.to_thread(
        services.accounts.change_password,
        found,
        body.current_password,
        body.password,
        client_address(request),
    )


@router.get("/tokens", summary="My API tokens")
def list_tokens(services: ServicesDep, actor: ActorDep) -> list[TokenRecord]:
    """Tokens, revoked ones included; never their secrets."""
    return [TokenRecord(**t) for t in services.accounts.list_tokens(actor)]


@router.post("/tokens", status_code=201, summary="Create an API token")
def create_token(body: TokenCreate, services: ServicesDep, found: IdentityDep) -> TokenCreated:
    """A token for scripts, acting as me; the secret is shown once and stored hashed. Only a
    password sign-in creates tokens: a token cannot mint tokens."""
    token, record = services.accounts.create_token(found, body.name)
    return TokenCreated(token=token, **record)


@router.delete("/tokens/{token_id}", summary="Revoke an API token")
def revoke_token(token_id: str, services: ServicesDep, actor: ActorDep) -> TokenRecord:
    """Revoked tokens stop working at once (the owner's, or any for an administrator)."""
    return TokenRecord(**services.accounts.revoke_token(actor, token_id))


@router.get("/users", summary="Users (role, rank, borough)")
def list_users(services: ServicesDep, _actor: ActorDep) -> list[UserRecord]:
    """Who uses the system, for choosing owners and consultees; never its subjects."""
    with services.database.sessions() as session:
        rows = session.scalars(select(UserRow).order_by(UserRow.login))
        return [UserRecord(**actor_of(r).as_dict(), active=r.active) for r in rows]


@router.post("/users", status_code=201, summary="Add a user (administrators)")
def add_user(body: UserCreate, services: ServicesDep, actor: ActorDep) -> Me:
    """The workflow adds the user (it checks the caller is an administrator), then the password."""
    added = services.workflow.add_user(
        actor, body.login, role=body.role, rank=body.rank, borough_code=body.borough_code
    )
    services.accounts.set_password(actor.login, added.login, body.password)
    return Me(**added.as_dict())


@router.get("/users/{login}/tokens", summary="A user's API tokens (administrators, or mine)")
def user_tokens(services: ServicesDep, actor: ActorDep, login: str = Login) -> list[TokenRecord]:
    """Tokens, revoked ones included; never their secrets."""
    return [TokenRecord(**t) for t in services.accounts.list_tokens(actor, login)]


@router.post("/users/{login}/deactivate", summary="Deactivate a user (administrators)")
def deactivate(services: ServicesDep, actor: ActorDep, login: str = Login) -> UserAccess:
    """They can no longer act: their sessions end and their tokens are revoked at once."""
    return UserAccess(**services.accounts.set_active(actor, login, active=False))


@router.post("/users/{login}/activate", summary="Reactivate a user (administrators)")
def activate(services: ServicesDep, actor: ActorDep, login: str = Login) -> UserAccess:
    """They may sign in again (with a password an administrator resets if need be)."""
    return UserAccess(**services.accounts.set_active(actor, login, active=True))


@router.put("/users/{login}/password", status_code=204, summary="Reset a user's password")
async def reset_password(
    body: PasswordReset, services: ServicesDep, actor: ActorDep, login: str = Login
) -> None:
    """Administrators set another user's password; all that user's sessions end and all their
    tokens are revoked."""
    await asyncio.to_thread(services.accounts.reset_password, actor, login, body.password)


@router.get("/me/csrf", summary="My session's CSRF token (for same-origin scripts)")
def my_csrf(found: IdentityDep) -> dict[str, str | None]:
    """Browser scripts send it as ``X-CSRF-Token`` on state-changing calls."""
    return {"csrf_token": found.csrf_token}
