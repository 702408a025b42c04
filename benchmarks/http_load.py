"""A lean HTTP/1.1 load client for the API benchmark: keep-alive connections over asyncio
streams, one pool shared by the simulated clients.

Why not httpx: the benchmark client runs on the same two cores as the server, and httpx
spent 10-20 ms of CPU per request there (measured with ``make bench-api``'s "cli cpu"
column), a core's worth at 100 req/s taken from the server it is measuring. Load
generators such as wrk write requests and parse responses directly for the same reason;
this does so in well under a millisecond. It speaks just what the benchmark needs: plain
HTTP/1.1 to one host, bodies framed by Content-Length or chunked transfer encoding, and a
connection closed by the server is dropped from the pool.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from urllib.parse import urlsplit


class ProtocolError(Exception):
    """The server's response could not be read as HTTP/1.1."""


@dataclass(frozen=True)
class Response:
    status_code: int
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.reusable = True
        self.idle_since = 0.0

    async def exchange(self, request: bytes) -> Response:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head[:-4].split(b"\r\n")
        parts = status_line.split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
            raise ProtocolError(f"bad status line {status_line[:80]!r}")
        headers: dict[bytes, bytes] = {}
        for line in header_lines:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        if headers.get(b"connection", b"").lower() == b"close":
            self.reusable = False
        if b"chunked" in headers.get(b"transfer-encoding", b"").lower():
            body = await self._chunked()
        elif b"content-length" in headers:
            body = await self.reader.readexactly(int(headers[b"content-length"]))
        else:  # framed by the end of the connection
            body = await self.reader.read()
            self.reusable = False
        return Response(int(parts[1]), body)

    async def _chunked(self) -> bytes:
        pieces = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                while await self.reader.readuntil(b"\r\n") != b"\r\n":
                    pass  # trailer fields
                return b"".join(pieces)
            pieces.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)

    def close(self) -> None:
        self.writer.close()


#: Idle connections older than this are closed rather than reused (seconds).
KEEPALIVE_EXPIRY = 4.0


class LoadClient:
    """Up to ``max_connections`` keep-alive connections to the host of ``base``; a request
    waits for a free connection when all are busy (as a browser or httpx pool would)."""

    def __init__(self, base: str, max_connections: int) -> None:
        split = urlsplit(base)
        if split.scheme != "http" or split.hostname is None:
            raise ValueError(f"plain http://host:port expected, not {base!r}")
        self.host, self.port = split.hostname, split.port or 80
        self._authority = split.netloc.encode()
        self._idle: list[_Connection] = []
        self._open = 0
        self._max = max_connections
        self._freed = asyncio.Condition()

    async def request(
        self, method: str, path: str, *, token: str, body: object | None = None
    ) -> Response:
        payload = b"" if body is None else json.dumps(body).encode()
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self._authority.decode()}\r\n"
            f"Authorization: Bearer {token}\r\nAccept: */*\r\n"
            f"Content-Length: {len(payload)}\r\n"
        )
        if body is not None:
            head += "Content-Type: application/json\r\n"
        connection = await self._acquire()
        try:
            response = await connection.exchange(head.encode() + b"\r\n" + payload)
        except BaseException:
            connection.reusable = False
            raise
        finally:
            await self._release(connection)
        return response

    async def _acquire(self) -> _Connection:
        async with self._freed:
            while True:
                while not self._idle and self._open >= self._max:
                    await self._freed.wait()
                if not self._idle:
                    break
                connection = self._idle.pop()
                if asyncio.get_running_loop().time() - connection.idle_since < KEEPALIVE_EXPIRY:
                    return connection
                # The server may be closing it (uvicorn keeps an idle connection 5 s): a
                # request sent on it now could be cut off, as httpx's pool also avoids.
                connection.close()
                self._open -= 1
            self._open += 1
        try:
            reader, writer = await asyncio.open_connection(self.host, self.port)
        except BaseException:
            async with self._freed:
                self._open -= 1
                self._freed.notify()
            raise
        return _Connection(reader, writer)

    async def _release(self, connection: _Connection) -> None:
        async with self._freed:
            if connection.reusable:
                connection.idle_since = asyncio.get_running_loop().time()
                self._idle.append(connection)
            else:
                connection.close()
                self._open -= 1
            self._freed.notify()

    async def aclose(self) -> None:
        async with self._freed:
            for connection in self._idle:
                connection.close()
            self._open -= len(self._idle)
            self._idle.clear()

    async def __aenter__(self) -> LoadClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


#: What a failed exchange raises: transport trouble or an unreadable response.
TRANSPORT_ERRORS = (
    OSError,
    ValueError,
    asyncio.IncompleteReadError,
    asyncio.LimitOverrunError,
    ProtocolError,
)
