"""``/api/v1/me``, ``/api/v1/tokens`` and ``/api/v1/users``: who I am, my tokens, new users."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import select

from patrolgate.api.account_schemas import (
    Me,
    PasswordChange,
    TokenCreate,
    TokenCreated,
    TokenRecord,
    UserCreate,
)
from patrolgate.api.dependencies import ActorDep, IdentityDep, ServicesDep
from patrolgate.api.schemas import PROBLEM_RESPONSES
from patrolgate.store.workflow_tables import UserRow
from patrolgate.workflow.actors import actor_of

router = APIRouter(prefix="/api/v1", tags=["accounts"], responses=PROBLEM_RESPONSES)


@router.get("/me", summary="The signed-in user")
def me(actor: ActorDep) -> Me:
    """Login, role, rank and borough."""
    return Me(**actor.as_dict())


@router.put("/me/password", status_code=204, summary="Change my password")
def change_password(body: PasswordChange, services: ServicesDep, actor: ActorDep) -> None:
    """Set a new password; every session of mine ends."""
    services.accounts.set_password(actor.login, actor.login, body.password)


@router.get("/tokens", summary="My API tokens")
def list_tokens(services: ServicesDep, actor: ActorDep) -> list[TokenRecord]:
    """Tokens, revoked ones included; never their secrets."""
    return [TokenRecord(**t) for t in services.accounts.list_tokens(actor.login)]


@router.post("/tokens", status_code=201, summary="Create an API token")
def create_token(body: TokenCreate, services: ServicesDep, actor: ActorDep) -> TokenCreated:
    """A token for scripts, acting as me; the secret is shown once and stored hashed."""
    token, record = services.accounts.create_token(actor.login, body.name)
    return TokenCreated(token=token, **record)


@router.delete("/tokens/{token_id}", summary="Revoke an API token")
def revoke_token(token_id: str, services: ServicesDep, actor: ActorDep) -> TokenRecord:
    """Revoked tokens stop working at once."""
    return TokenRecord(**services.accounts.revoke_token(actor, token_id))


@router.get("/users", summary="Users (role, rank, borough)")
def list_users(services: ServicesDep, _actor: ActorDep) -> list[dict[str, Any]]:
    """Who uses the system, for choosing owners and consultees; never its subjects."""
    with services.database.sessions() as session:
        rows = session.scalars(select(UserRow).order_by(UserRow.login))
        return [{**actor_of(r).as_dict(), "active": r.active} for r in rows]


@router.post("/users", status_code=201, summary="Add a user (administrators)")
def add_user(body: UserCreate, services: ServicesDep, actor: ActorDep) -> Me:
    """The workflow adds the user (it checks the caller is an administrator), then the password."""
    added = services.workflow.add_user(
        actor.login, body.login, role=body.role, rank=body.rank, borough_code=body.borough_code
    )
    services.accounts.set_password(actor.login, body.login, body.password)
    return Me(**added.as_dict())


@router.get("/me/csrf", summary="My session's CSRF token (for same-origin scripts)")
def my_csrf(found: IdentityDep) -> dict[str, str | None]:
    """Browser scripts send it as ``X-CSRF-Token`` on state-changing calls."""
    return {"csrf_token": found.csrf_token}
