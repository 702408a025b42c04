"""``Idempotency-Key`` on the requests that create: a retry gets the first answer.

A client that sends ``POST /api/v1/deployments``, ``/api/v1/intelligence`` or
``/api/v1/events`` with an ``Idempotency-Key`` header (1 to 200 visible characters) and
loses the answer (a dropped connection, a timeout) sends the same request with the same key
again and receives the first answer, with ``Idempotent-Replayed: true``; nothing is created
twice. The key is the user's own (the same key from another user is another key), and it is
bound to the request: the same key with a different request is refused (422). A retry while
the first request is still being answered is told to wait (409). Answers below 500 are kept
(``idempotency_keys``, in the database, so every worker sees them); after a 5xx the key is
released for a retry.

What it cannot do: the answer is stored just after the request's own transaction commits.
If the service process dies in that moment (milliseconds), the key stays "in progress": a
retry then gets 409 saying so, and the client should look (``GET``) before retrying with a
new key, rather than risk a second deployment.

One ASGI middleware, so the routes themselves need no change.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from anyio import to_thread
from fastapi import Request
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from patrolgate.accounts import NotSignedIn
from patrolgate.api.dependencies import optional_identity, services_of
from patrolgate.api.problems import PROBLEM_JSON
from patrolgate.store.database import Database
from patrolgate.store.idempotency_tables import IdempotencyRow

HEADER = "idempotency-key"
#: The requests that create, by path.
CREATING = frozenset({"/api/v1/deployments", "/api/v1/intelligence", "/api/v1/events"})
_KEY = re.compile(r"[\x21-\x7e]{1,200}")


class IdempotencyKeys:
    """The middleware. ``identify`` names the user of a request (None if nobody), from the
    scope; the answer is kept per user and key."""

    def __init__(self, app: ASGIApp, identify: Callable[[Scope], str | None] | None = None) -> None:
        self.app = app
        self.identify = identify

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers") or [])
        key_bytes = headers.get(HEADER.encode())
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"] not in CREATING
            or key_bytes is None
        ):
            await self.app(scope, receive, send)
            return
        key = key_bytes.decode("latin-1")
        if not _KEY.fullmatch(key):
            await _problem(
                send, 422, "Invalid input", "Idempotency-Key: 1 to 200 visible characters"
            )
            return
        login = await to_thread.run_sync(self._login, scope)
        if login is None:  # nobody signed in: the route answers 401 as usual
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        digest = hashlib.sha256(
            b"\x1f".join([scope["path"].encode(), headers.get(b"content-type", b""), body])
        ).hexdigest()
        database = _database(scope)
        earlier = await to_thread.run_sync(_claim, database, login, key, digest)
        if earlier is not None:
            await _answer_again(send, earlier, digest)
            return
        captured: dict[str, Any] = {"status": 500, "headers": [], "body": b""}

        async def replay_body() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            # Held back until the answer is kept: a client that loses this one and retries
            # at once gets it again, never "in progress".
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")

        try:
            await self.app(scope, replay_body, capture)
        finally:
            media = dict(captured["headers"]).get(b"content-type", b"").decode("latin-1")
            await to_thread.run_sync(
                _settle, database, login, key, captured["status"], captured["body"], media
            )
        await send(
            {
                "type": "http.response.start",
                "status": captured["status"],
                "headers": captured["headers"],
            }
        )
        await send({"type": "http.response.body", "body": captured["body"]})

    def _login(self, scope: Scope) -> str | None:
        if self.identify is not None:
            return self.identify(scope)
        return _identify_from_services(scope)


def _database(scope: Scope) -> Database:
    services = scope["app"].state.services
    database: Database = services.database
    return database


def _identify_from_services(scope: Scope) -> str | None:
    """The signed-in user of the request, through the app's own identification (which keeps
    it on the request, so the route does not look it up again)."""
    request = Request(scope)
    try:
        identity = optional_identity(request, services_of(request))
    except NotSignedIn:
        return None
    return identity.actor.login if identity is not None else None


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _claim(database: Database, login: str, key: str, digest: str) -> IdempotencyRow | None:
    """Claim the key for this request (None), or the earlier request's row."""
    try:
        with database.transaction() as session:
            session.add(
                IdempotencyRow(login=login, key=key, request=digest, created_at=datetime.now(UTC))
            )
        return None
    except IntegrityError:
        with database.sessions() as session:
            found = session.scalars(
                select(IdempotencyRow).where(
                    IdempotencyRow.login == login, IdempotencyRow.key == key
                )
            ).first()
        if found is None:  # released meanwhile (a 5xx): claim it again
            return _claim(database, login, key, digest)
        return found


def _settle(database: Database, login: str, key: str, status: int, body: bytes, media: str) -> None:
    """Keep the answer (below 500), or release the key for a retry."""
    with database.transaction() as session:
        where = (IdempotencyRow.login == login, IdempotencyRow.key == key)
        if status >= 500:
            session.execute(delete(IdempotencyRow).where(*where))
        else:
            session.execute(
                update(IdempotencyRow)
                .where(*where)
                .values(status=status, body=body.decode("utf-8", "replace"), media_type=media)
            )


async def _answer_again(send: Send, earlier: IdempotencyRow, digest: str) -> None:
    if earlier.request != digest:
        await _problem(
            send,
            422,
            "Invalid input",
            "this Idempotency-Key was used with a different request; use a new key",
        )
        return
    if earlier.status is None:
        await _problem(
            send,
            409,
            "Conflict",
            "a request with this Idempotency-Key is in progress or was interrupted; if it "
            "does not finish, check what it created before retrying with a new key",
        )
        return
    await send(
        {
            "type": "http.response.start",
            "status": earlier.status,
            "headers": [
                (b"content-type", (earlier.media_type or "application/json").encode("latin-1")),
                (b"idempotent-replayed", b"true"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": (earlier.body or "").encode()})


async def _problem(send: Send, status: int, title: str, detail: str) -> None:
    body = json.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", PROBLEM_JSON.encode())],
        }
    )
    await send({"type": "http.response.body", "body": body.encode()})
