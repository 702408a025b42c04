"""Actors: users of the system with a role, a rank and perhaps a borough; never its subjects."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from patrolgate.policy import Rank, Role
from patrolgate.store.workflow_tables import UserRow
from patrolgate.workflow.errors import NotAuthorised, NotFound

LOGIN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")

#: Characters that render as nothing: they must not make one person two logins.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff"),
    None,
)


def canonical_login(text: str) -> str:
    """A login as people are matched by it: Unicode NFKC, invisible characters removed,
    surrounding and inner white space removed, case folded (``" TFC1\u200b"`` → ``tfc1``).

    Every comparison of one person with another (separation of duties, consultee and
    authoriser, sign-in) compares these, never the raw strings.
    """
    folded = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    return "".join(folded.split()).casefold()


def same_person(first: str | None, second: str | None) -> bool:
    """Whether two logins name the same person (see :func:`canonical_login`)."""
    if first is None or second is None:
        return False
    return canonical_login(first) == canonical_login(second)


@dataclass(frozen=True)
class Actor:
    """Who acts."""

    login: str
    role: Role
    rank: Rank
    borough_code: str | None = None

    def describe(self) -> str:
        """E.g. ``tactical commander, superintendent``."""
        return f"{self.role.words}, {self.rank.words}"

    def as_dict(self) -> dict[str, str | None]:
        """JSON-ready form."""
        return {
            "login": self.login,
            "role": self.role.value,
            "rank": self.rank.value,
            "borough_code": self.borough_code,
        }


def actor_of(row: UserRow) -> Actor:
    """The actor a user row describes."""
    return Actor(row.login, Role(row.role), Rank(row.rank), row.borough_code)


#: Who acts, as a caller names them: a login (the CLI, scripts), or the :class:`Actor` the
#: web service identified from the request's session or token moments earlier (one query
#: fewer per request; its role, rank and borough are what every permission check reads).
ActorRef = Actor | str | None


def login_of(actor: ActorRef) -> str | None:
    """The login of an actor however it was named."""
    return actor.login if isinstance(actor, Actor) else actor


def load_actor(session: Session, login: ActorRef) -> Actor:
    """The active user ``login``; refuses anonymous action. An :class:`Actor` the caller
    already identified is taken as it is."""
    if isinstance(login, Actor):
        return login
    if not login:
        raise NotAuthorised("say who is acting (--as USER)")
    row = find_user(session, login)
    if row is None:
        raise NotFound(f"no user {login!r}")
    if not row.active:
        raise NotAuthorised(f"user {row.login!r} is deactivated")
    return actor_of(row)


def find_user(session: Session, login: str) -> UserRow | None:
    """The user a typed login names, compared canonically (``" TFC1\u200b"`` finds ``tfc1``)."""
    canonical = canonical_login(login)
    row = session.get(UserRow, canonical)
    if row is not None or canonical == login:
        return row
    # Logins are stored canonical since they are checked at creation; an older database may
    # hold one that is not, so look once more by comparing canonical forms.
    for candidate in session.scalars(select(UserRow)):
        if canonical_login(candidate.login) == canonical:
            return candidate
    return None


def user_count(session: Session) -> int:
    """How many users exist."""
    return int(session.scalar(select(func.count()).select_from(UserRow)) or 0)
