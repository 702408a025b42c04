"""The JSON API under ``/api/v1``: routers, request schemas, the dependencies that say who is
asking, and problem details for errors. :mod:`patrolgate.server` assembles the service."""
