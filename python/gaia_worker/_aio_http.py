"""A small HTTP/1.1 client on asyncio streams, for `gaia_worker.aio` (stdlib only).

It speaks what gaia's control API needs: one request at a time per connection, bodies with
Content-Length, answers with Content-Length or chunked, kept alive and pooled; a stream
(the events) gets a connection of its own. A pooled connection that the server closed while
idle is found on the next request, which is then sent once more on a new connection when
that cannot apply it twice (GET, HEAD, DELETE), as the sync transport does.
"""
from __future__ import annotations

import asyncio
import json
import ssl
import urllib.parse
from typing import Any, AsyncIterator

from ._http import Endpoint, Response, api_error
from .errors import GaiaError, GaiaUnreachable

MAX_IDLE = 8
MAX_HEADER_BYTES = 64 * 1024


class Headers(dict):
    """Header names in lower case; `get` as on http.client's."""

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(key.lower(), default)


class Conn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer, self.used = reader, writer, False

    def close(self) -> None:
        self.writer.close()


class AsyncTransport:
    def __init__(self, endpoint: Endpoint, timeout: float = 60.0, ssl_context: ssl.SSLContext | None = None) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        self.ssl_context = ssl_context
        self.idle: list[Conn] = []
        parts = urllib.parse.urlsplit(endpoint.url or "")
        self.host = parts.hostname or "gaia"
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.tls = parts.scheme == "https"
        self.base_path = parts.path.rstrip("/")
        self.base_headers = {"Host": self.host if endpoint.url else "gaia", "Accept": "application/json", "User-Agent": "gaia-python-aio"}
        if endpoint.token:
            self.base_headers["Authorization"] = f"Bearer {endpoint.token}"

    async def connect(self) -> Conn:
        try:
            if self.endpoint.path is not None:
                reader, writer = await asyncio.open_unix_connection(self.endpoint.path, limit=MAX_HEADER_BYTES)
            else:
                context = (self.ssl_context or ssl.create_default_context()) if self.tls else None
                reader, writer = await asyncio.open_connection(self.host, self.port, ssl=context, limit=MAX_HEADER_BYTES)
        except OSError as err:
            raise GaiaUnreachable(str(self.endpoint), err) from err
        return Conn(reader, writer)

    async def request(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None, *, timeout: float | None = None, replayable: bool | None = None) -> Response:
        """One request; `GaiaError` for an error status (see the sync `Transport.request`)."""
        payload, sent = self._encode(body, headers)
        replayable = method in ("GET", "HEAD", "DELETE") if replayable is None else replayable
        wait = self.timeout if timeout is None else timeout
        for attempt in (1, 2):
            conn = self.idle.pop() if self.idle else await self.connect()
            reused = conn.used
            try:
                status, answer, data = await asyncio.wait_for(self._exchange(conn, method, path, payload, sent), wait)
            except asyncio.TimeoutError as err:
                conn.close()
                raise GaiaError(0, "timeout", f"{method} {path}: no answer within {wait:g} s") from err
            except (OSError, asyncio.IncompleteReadError, EOFError) as err:
                conn.close()
                if attempt == 1 and reused and replayable:
                    continue
                raise GaiaUnreachable(str(self.endpoint), err) from err
            except BaseException:
                conn.close()  # cancelled mid-answer: the connection's state is unknown
                raise
            conn.used = True
            delimited = "content-length" in answer or "chunked" in answer.get("transfer-encoding", "").lower() or method == "HEAD"
            if not delimited or answer.get("connection", "").lower() == "close" or len(self.idle) >= MAX_IDLE:
                conn.close()
            else:
                self.idle.append(conn)
            if status >= 400:
                raise api_error(status, data, answer)
            return Response(status, answer, data)  # type: ignore[arg-type]
        raise AssertionError("unreachable")

    async def json(self, method: str, path: str, body: Any = None, *, timeout: float | None = None, retry_busy_s: float = 0.0) -> Any:
        """The answer's JSON, 429/503-not-admitted tried again as the sync `Transport.json`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + retry_busy_s
        while True:
            try:
                return (await self.request(method, path, body, timeout=timeout)).json()
            except GaiaError as err:
                if err.code not in ("queue_full", "not_ready") or loop.time() >= deadline:
                    raise
                await asyncio.sleep(min(max(err.retry_after_s or 1.0, 0.05), max(0.0, deadline - loop.time())))

    async def open_stream(self, path: str, headers: dict[str, str]) -> tuple[Conn, AsyncIterator[bytes]]:
        """A GET whose answer is read as it comes (the events), on a connection of its own."""
        conn = await self.connect()
        try:
            conn.writer.write(self._head("GET", path, dict(self.base_headers, **headers), None))
            await conn.writer.drain()
            status, answer = await read_head(conn.reader)
            if status >= 400:
                raise api_error(status, b"".join([c async for c in body_chunks(conn.reader, answer)]), answer)
        except BaseException:
            conn.close()
            raise
        return conn, body_chunks(conn.reader, answer)

    async def close(self) -> None:
        idle, self.idle = self.idle, []
        for conn in idle:
            conn.close()

    def _encode(self, body: Any, headers: dict[str, str] | None) -> tuple[Any, dict[str, str]]:
        sent = dict(self.base_headers)
        if isinstance(body, (dict, list)):
            body = json.dumps(body, separators=(",", ":"), allow_nan=False).encode()
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        return body, sent

    def _head(self, method: str, path: str, headers: dict[str, str], body: Any) -> bytes:
        lines = [f"{method} {self.base_path}{path} HTTP/1.1"]
        if body is not None:
            headers["Content-Length"] = str(memoryview(body).nbytes)
        lines += [f"{k}: {v}" for k, v in headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    async def _exchange(self, conn: Conn, method: str, path: str, body: Any, headers: dict[str, str]) -> tuple[int, Headers, bytes]:
        conn.writer.write(self._head(method, path, dict(headers), body))
        if body is not None and memoryview(body).nbytes:
            conn.writer.write(body)
        await conn.writer.drain()
        status, answer = await read_head(conn.reader)
        if method == "HEAD" or status in (204, 304):
            return status, answer, b""
        return status, answer, b"".join([chunk async for chunk in body_chunks(conn.reader, answer)])


async def read_head(reader: asyncio.StreamReader) -> tuple[int, Headers]:
    """The status and headers of an answer (1xx answers are skipped)."""
    while True:
        status_line = await reader.readline()
        if not status_line:
            raise EOFError("the server closed the connection before answering")
        parts = status_line.decode("latin-1").split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            raise GaiaError(0, "bad_response", f"not an HTTP/1.1 answer: {status_line[:80]!r}")
        headers = Headers()
        while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if int(parts[1]) >= 200:
            return int(parts[1]), headers


async def body_chunks(reader: asyncio.StreamReader, headers: Headers) -> AsyncIterator[bytes]:
    """The answer's body as it arrives: by Content-Length, chunked, or until the close."""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        while True:
            size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return
            yield await reader.readexactly(size)
            await reader.readexactly(2)
    length = headers.get("content-length")
    if length is not None:
        left = int(length)
        while left > 0:
            chunk = await reader.read(min(left, 1 << 20))
            if not chunk:
                raise asyncio.IncompleteReadError(b"", left)
            left -= len(chunk)
            yield chunk
        return
    while chunk := await reader.read(1 << 16):
        yield chunk
