"""The web service: the JSON API and the browser UI assembled into one ASGI application.

Build it with :func:`create_app` from a :class:`~patrolgate.settings.Settings`.
"""

from patrolgate.server.app import create_app

__all__ = ["create_app"]
