"""Accounts of the people who use PatrolGate: passwords, sign-in, sessions, API tokens.

Users (their role, rank and borough) are the workflow's; this package proves who is
asking. Demo accounts (:mod:`patrolgate.accounts.demo`) sign in in demo mode only.
"""

from patrolgate.accounts.service import (
    Accounts,
    CsrfRefused,
    DemoAccountRefused,
    Identity,
    NotSignedIn,
    SessionPolicy,
    SignedIn,
    csrf_matches,
    wall_clock,
)
from patrolgate.accounts.throttle import Throttle, TooManyAttempts, keyed_hash

__all__ = [
    "Accounts",
    "CsrfRefused",
    "DemoAccountRefused",
    "Identity",
    "NotSignedIn",
    "SessionPolicy",
    "SignedIn",
    "Throttle",
    "TooManyAttempts",
    "csrf_matches",
    "keyed_hash",
    "wall_clock",
]
