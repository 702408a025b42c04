"""Demo accounts: the workflow's demo users with a known password, in demo mode only.

Their passwords are marked as demo ones: they sign in in demo mode only, and a production
start deactivates them (:meth:`~patrolgate.accounts.Accounts.disable_demo_accounts`).
"""

from __future__ import annotations

from sqlalchemy import select

from patrolgate.accounts import Accounts
from patrolgate.errors import Refused
from patrolgate.settings import Mode, Settings
from patrolgate.store import Database
from patrolgate.store.account_tables import PasswordRow
from patrolgate.store.workflow_tables import UserRow
from patrolgate.workflow.demo_seed import seed_demo_deployments

#: The one password of every demo account; never valid outside demo mode.
DEMO_PASSWORD = "patrolgate-demo"


def ensure_demo_accounts(database: Database, settings: Settings) -> list[tuple[str, str, str]]:
    """Seed the demo users and deployments, give each user the demo password; idempotent.

    Returns (login, role, rank) of every account, for printing.
    """
    if settings.mode is not Mode.DEMO:
        raise Refused("demo accounts exist in demo mode only (PATROLGATE_MODE=demo)")
    seed_demo_deployments(database, settings)
    accounts = Accounts(database, secret_key=settings.secret_key, mode=settings.mode)
    with database.sessions() as session:
        users = list(session.scalars(select(UserRow).order_by(UserRow.role, UserRow.login)))
        with_password = set(session.scalars(select(PasswordRow.login)))
    for user in users:
        if user.login not in with_password:
            accounts.set_password(None, user.login, DEMO_PASSWORD, demo=True)
    return [(u.login, u.role, u.rank) for u in users]
