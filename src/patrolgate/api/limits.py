"""Bounded work per request: a body cap and JSON structure limits enforced before any route
parses or screens a body, and a time budget for the CPU-heavy answers.

:class:`RequestLimits` is a plain ASGI middleware. It refuses a body whose declared length is
over the cap before reading a byte of it (413), stops reading a body sent without a length
once it passes the cap (413), and checks a JSON body's nesting, list sizes and numbers
(:mod:`patrolgate.bounded_json`) before the route sees it (422); everything it refuses is
answered as problem details, at once, on the event loop, so the worker keeps answering
``/healthz`` and everyone else. A route with a legitimately larger body (a batch feed) gets
its own :class:`BodyLimits` by path prefix.

:class:`HeavyWork` runs CPU-heavy computations (evaluations) on one thread per worker
process, shared by every request that asks for the same thing; a request waits for it for
at most its budget and is then answered 503 with ``Retry-After`` while the computation
finishes and fills its cache for the retry.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Hashable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from email.message import Message as EmailMessage
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from patrolgate.api.problems import PROBLEM_JSON, problem
from patrolgate.api.schemas import Problem
from patrolgate.bounded_json import JsonLimits, loads
from patrolgate.errors import InvalidInput, PatrolGateError

log = logging.getLogger("patrolgate.api")

T = TypeVar("T")

#: The body cap of every request without its own: the largest body a person sends, a drawn
#: area of the most vertices allowed (10,000) at full precision, is about 430 kB.
DEFAULT_MAX_BODY_BYTES = 1024 * 1024


#: JSON bodies up to this size are checked on the event loop (well under a millisecond);
#: larger ones on a request thread.
_CHECKED_ON_THE_LOOP = 64 * 1024


@dataclass(frozen=True)
class BodyLimits:
    """The largest body a request may send, and the structure of a JSON body."""

    max_bytes: int = DEFAULT_MAX_BODY_BYTES
    json: JsonLimits = field(default_factory=JsonLimits)


#: Routes that take more than the default, by path prefix. Issue 16's feed takes batches of
#: up to 10,000 rows of JSON or CSV.
LARGER_BODIES: Mapping[str, BodyLimits] = {
    "/api/v1/events": BodyLimits(
        max_bytes=16 * 1024 * 1024, json=JsonLimits(max_items=10_000, max_values=400_000)
    ),
}


class RequestTooLarge(PatrolGateError):
    """The request's body is over the cap for its route."""

    exit_code = 2
    http_status = 413
    title = "Request too large"


def _is_json(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether FastAPI would parse this body as JSON: no content type, or ``*/json`` or
    ``*/*+json`` (the rule of ``fastapi.routing``)."""
    declared = next((v.decode("latin-1") for k, v in headers if k == b"content-type"), "")
    if not declared:
        return True
    parsed = EmailMessage()
    parsed["content-type"] = declared
    subtype = parsed.get_content_subtype()
    return parsed.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


def _declared_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    for key, value in headers:
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class RequestLimits:
    """Refuses oversized bodies and over-complex JSON before any route reads them."""

    def __init__(
        self,
        app: ASGIApp,
        default: BodyLimits | None = None,
        larger: Mapping[str, BodyLimits] | None = None,
    ) -> None:
        self.app = app
        self.default = default or BodyLimits()
        self.larger = dict(LARGER_BODIES if larger is None else larger)

    def limits_for(self, path: str) -> BodyLimits:
        """The limits of the route at ``path``."""
        for prefix, limits in self.larger.items():
            if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                return limits
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limits = self.limits_for(scope["path"])
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        declared = _declared_length(headers)
        if declared is not None and declared > limits.max_bytes:
            await self._refuse(scope, receive, send, RequestTooLarge(_too_large(limits, declared)))
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left; nobody to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limits.max_bytes:
                await self._refuse(scope, receive, send, RequestTooLarge(_too_large(limits)))
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body and _is_json(headers):
            try:
                if len(body) <= _CHECKED_ON_THE_LOOP:
                    loads(body, limits.json, "the request body")
                else:  # up to ~0.1 s of parsing and counting: not on the event loop
                    await run_in_threadpool(loads, body, limits.json, "the request body")
            except InvalidInput as error:
                # Only what the parser would not see the same way: the JSON limits and
                # non-finite numbers. Plain syntax errors are the route's to report.
                if type(error) is not InvalidInput:
                    await self._refuse(scope, receive, send, error)
                    return
        await self.app(scope, _replay(body, receive), send)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, error: PatrolGateError) -> None:
        # The connection stays open: the server discards the rest of a body it refused, so a
        # client that sends it all still reads the answer (a close would reset it).
        response = problem(Request(scope), error.http_status, error.title, str(error))
        await response(scope, receive, send)


def _too_large(limits: BodyLimits, declared: int | None = None) -> str:
    sent = f" ({declared:,} bytes)" if declared is not None else ""
    return f"the request body{sent} is over the limit of {limits.max_bytes:,} bytes"


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the buffered body once, then what the client sends next."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class StillWorking(PatrolGateError):
    """A heavy computation is still running; ask again after ``retry_after`` seconds."""

    exit_code = 1
    http_status = 503
    title = "Still working"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


#: The 503 a route on :class:`HeavyWork` may answer, for its OpenAPI ``responses``.
STILL_WORKING_RESPONSES: dict[int | str, dict[str, Any]] = {
    503: {
        "description": "Still computing past the request's time budget; ask again later",
        "content": {PROBLEM_JSON: {"schema": Problem.model_json_schema()}},
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before asking again",
                "schema": {"type": "integer"},
            }
        },
    }
}


@dataclass
class HeavyWork:
    """CPU-heavy computations on one thread, each shared by the requests that ask for it.

    A request waits at most ``budget`` seconds; past that it gets :class:`StillWorking`
    while the computation runs on (the next request for the same key waits for the same
    run, never starts another). One thread per worker process: two heavy requests never
    compete for the cores with each other, only with the light ones.
    """

    budget: float = 20.0
    _executor: ThreadPoolExecutor | None = None
    _running: dict[Hashable, Future[Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _submit(self, key: Hashable, work: Callable[[], T]) -> Future[T]:
        with self._lock:
            running = self._running.get(key)
            if running is not None:
                return running
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="heavy")
            future = self._executor.submit(work)
            self._running[key] = future

        def forget(_: Future[T]) -> None:
            with self._lock:
                if self._running.get(key) is future:
                    del self._running[key]

        future.add_done_callback(forget)
        return future

    async def run(self, key: Hashable, work: Callable[[], T], what: str) -> T:
        """``work()``'s result, or :class:`StillWorking` once the budget is spent."""
        waited = asyncio.wrap_future(self._submit(key, work))
        # Retrieved even when nobody waits any more, so a late failure is not reported as
        # an exception never retrieved.
        waited.add_done_callback(lambda done: done.cancelled() or done.exception())
        try:
            return await asyncio.wait_for(asyncio.shield(waited), self.budget)
        except TimeoutError:
            log.warning("%s: still computing after %.0f s; answered 503", what, self.budget)
            raise StillWorking(
                f"{what} is still being computed; ask again in a minute",
                retry_after=60,
            ) from None

    def shutdown(self) -> None:
        """Let the thread go once idle (a computation under way finishes on its own); the
        next request starts another."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
