"""Adding users: the first is an administrator; after that only administrators add users."""

from __future__ import annotations

from patrolgate.errors import InvalidInput
from patrolgate.policy import Rank, Role
from patrolgate.store.audit_repository import append_entry
from patrolgate.store.tables import AreaRow
from patrolgate.store.workflow_tables import UserRow
from patrolgate.workflow.acting import record_refusal
from patrolgate.workflow.actors import (
    LOGIN,
    Actor,
    ActorRef,
    canonical_login,
    find_user,
    load_actor,
    user_count,
)
from patrolgate.workflow.context import WorkflowContext
from patrolgate.workflow.errors import Conflict, NotAuthorised


def add_user(
    context: WorkflowContext,
    acting_as: ActorRef,
    login: str,
    *,
    role: Role | str,
    rank: Rank | str,
    borough_code: str | None = None,
) -> Actor:
    """Add a user; the very first user must be an admin and needs no ``--as``.

    Logins are stored canonical (:func:`~patrolgate.workflow.actors.canonical_login`): a new
    ``TFC1 `` or ``tfc1\u200b`` when ``tfc1`` exists is the same person, and refused.
    """
    typed, login = login, canonical_login(login)
    if not LOGIN.match(login):
        raise InvalidInput(f"user name {typed!r}: lower-case letters, digits, '.', '_' or '-'")
    new = Actor(
        login,
        role if isinstance(role, Role) else Role.parse(role),
        rank if isinstance(rank, Rank) else Rank.parse(rank),
        borough_code.strip() if borough_code else None,
    )
    try:
        with context.database.transaction() as session:
            if user_count(session) == 0:
                if new.role is not Role.ADMIN:
                    raise NotAuthorised("the first user must be an admin (--role admin)")
                by = None
            else:
                actor = load_actor(session, acting_as)
                if actor.role is not Role.ADMIN:
                    raise NotAuthorised(f"only an admin adds users (you are a {actor.describe()})")
                by = actor.login
            existing = find_user(session, login)
            if existing is not None:
                raise Conflict(
                    f"user {existing.login!r} already exists"
                    + (
                        f" ({typed!r} is the same login: logins are compared ignoring case, "
                        "spaces and invisible characters)"
                        if typed != existing.login
                        else ""
                    )
                )
            if new.borough_code is not None:
                area = session.get(AreaRow, new.borough_code)
                if area is None or area.level != "borough":
                    raise InvalidInput(f"--borough {new.borough_code}: not a stored borough code")
            if new.role is Role.BOROUGH_COMMANDER and new.borough_code is None:
                raise InvalidInput("a borough commander needs --borough CODE")
            now = context.now()
            session.add(
                UserRow(
                    login=login,
                    role=new.role.value,
                    rank=new.rank.value,
                    borough_code=new.borough_code,
                    active=True,
                    created_at=now,
                )
            )
            session.flush()
            append_entry(
                session,
                recorded_at=now,
                actor=by,
                action="user.added",
                subject=f"user:{login}",
                payload=new.as_dict(),
            )
        return new
    except NotAuthorised as error:
        record_refusal(
            context, actor=acting_as, attempted="users add", error=error, subject=f"user:{login}"
        )
        raise
