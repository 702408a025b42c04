"""Accounts of the people who use PatrolGate: passwords, sign-in, sessions, API tokens.

Users (their role, rank and borough) are the workflow's; this package proves who is
asking. Demo accounts (:mod:`patrolgate.accounts.demo`) exist in demo mode only.
"""

from patrolgate.accounts.service import (
    Accounts,
    CsrfRefused,
    Identity,
    NotSignedIn,
    SignedIn,
    TooManyAttempts,
    csrf_matches,
    wall_clock,
)

__all__ = [
    "Accounts",
    "CsrfRefused",
    "Identity",
    "NotSignedIn",
    "SignedIn",
    "TooManyAttempts",
    "csrf_matches",
    "wall_clock",
]
