"""The web service: FastAPI routers under ``/api/v1``, authentication, dependencies.

Build it with :func:`create_app` from a :class:`~patrolgate.settings.Settings`.
"""

from patrolgate.api.app import create_app

__all__ = ["create_app"]
