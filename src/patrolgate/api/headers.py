"""The security headers every response carries, errors and 500s included.

:class:`patrolgate.server.middleware.SecurityHeaders` adds them to what the app answers;
the handler of unexpected errors (:mod:`patrolgate.api.problems`), whose 500 is sent from
outside every middleware, adds them itself.
"""

from __future__ import annotations

from collections.abc import Iterable

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
}

#: Production is served over https (a TLS proxy in front): browsers must never fall back.
HSTS = "max-age=63072000; includeSubDomains"

#: Cookies that mean a request is (or asks to be) signed in.
CREDENTIAL_COOKIES = (b"pg_session=", b"pg_login_csrf=")


def with_credentials(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    """Whether a request carries a session or token: its answer is for that user only."""
    for name, value in headers:
        if name == b"authorization":
            return True
        if name == b"cookie" and any(c in value for c in CREDENTIAL_COOKIES):
            return True
    return False


def security_headers(
    *, path: str, method: str, credentials: bool, production: bool
) -> dict[str, str]:
    """The headers a response to this request must carry.

    ``Cache-Control: no-store`` on the API, on anything but a GET, on the sign-in pages and
    on every answer to a signed-in request, so no shared or browser cache keeps one user's
    page for another; ``Strict-Transport-Security`` in production.
    """
    headers = dict(SECURITY_HEADERS)
    if path.startswith(("/api/", "/login", "/logout")) or method != "GET" or credentials:
        headers["Cache-Control"] = "no-store"
    if production:
        headers["Strict-Transport-Security"] = HSTS
    return headers
