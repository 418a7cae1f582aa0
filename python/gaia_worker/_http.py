"""HTTP/1.1 to gaia's control API with the standard library only (SPEC §7, §14).

Where the API is: an explicit argument, else `GAIA_SOCKET` (a Unix socket path), else
`GAIA_URL` with `GAIA_TOKEN` (TCP, `Authorization: Bearer`), else `./.gaia/run/gaia.sock`.

Connections are kept alive and kept per thread (http.client connections are not safe to
share), so one `Transport` may be used from many threads at once. A kept connection that
the server closed while idle is seen on the next request; that request is sent again on a
fresh connection when doing so cannot apply it twice (`replayable` in `request`).
"""
from __future__ import annotations

import http.client
import json
import os
import socket
import ssl
import threading
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

from .errors import GaiaError, GaiaUnreachable

DEFAULT_SOCKET = os.path.join(".gaia", "run", "gaia.sock")
#: The supervisor answers at most 30 s past a request's own `?wait=` (docs/architecture.md).
SERVER_GRACE_S = 35.0
_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, http.client.BadStatusLine)


@dataclass(frozen=True)
class Endpoint:
    """Where the control API listens: a Unix socket `path`, or a TCP `url` with a `token`."""

    path: str | None = None
    url: str | None = None
    token: str | None = None

    @property
    def unix(self) -> bool:
        return self.path is not None

    def __str__(self) -> str:
        return self.path if self.path is not None else str(self.url)


def resolve(target: str | None = None, *, socket_path: str | None = None, url: str | None = None, token: str | None = None) -> Endpoint:
    """The endpoint from the arguments, else the environment, else the default run dir.

    Example::

        resolve("/srv/gaia/.gaia/run/gaia.sock")          # a Unix socket
        resolve("https://gaia.internal:8470", token="…")  # TCP with a bearer token
    """
    if target is not None:
        if target.startswith(("http://", "https://")):
            url = target
        else:
            socket_path = target
    if socket_path is not None and url is not None:
        raise ValueError("give a socket path or a URL, not both")
    if socket_path is None and url is None:
        socket_path = os.environ.get("GAIA_SOCKET") or None
        if socket_path is None and os.environ.get("GAIA_URL"):
            url = os.environ["GAIA_URL"]
    if url is not None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"the URL must look like http://HOST:PORT or https://HOST:PORT; got {url!r}")
        return Endpoint(url=url.rstrip("/"), token=token if token is not None else os.environ.get("GAIA_TOKEN"))
    return Endpoint(path=os.path.abspath(socket_path or DEFAULT_SOCKET))


class UnixHTTPConnection(http.client.HTTPConnection):
    """An http.client connection whose socket is AF_UNIX (the Host header says `gaia`)."""

    def __init__(self, path: str, timeout: float | None = None) -> None:
        super().__init__("gaia", timeout=timeout)
        self.unix_path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(self.timeout)
            sock.connect(self.unix_path)
        except BaseException:
            sock.close()
            raise
        self.sock = sock


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def api_error(status: int, body: bytes, headers: Any = None) -> GaiaError:
    """The `GaiaError` for an error answer (any body: gaia's shape, or text from a proxy)."""
    code, message = "http_error", body.decode("utf-8", "replace").strip()[:500] or f"HTTP {status}"
    try:
        error = json.loads(body)["error"]
        code, message = str(error["code"]), str(error["message"])
    except (ValueError, KeyError, TypeError):
        pass
    retry = headers.get("retry-after") if headers is not None else None
    try:
        retry_s = float(retry) if retry is not None else None
    except ValueError:
        retry_s = None
    return GaiaError(status, code, message, retry_s)


class Transport:
    """Requests to one endpoint, on one kept-alive connection per thread."""

    def __init__(self, endpoint: Endpoint, timeout: float = 60.0, ssl_context: ssl.SSLContext | None = None) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        self.ssl_context = ssl_context
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: set[http.client.HTTPConnection] = set()
        base = {"Accept": "application/json", "User-Agent": "gaia-python"}
        if endpoint.token:
            base["Authorization"] = f"Bearer {endpoint.token}"
        self.base_headers = base

    def connect(self, timeout: float | None) -> http.client.HTTPConnection:
        """A new connection (not kept for the thread): for streams such as the events."""
        if self.endpoint.path is not None:
            return UnixHTTPConnection(self.endpoint.path, timeout=timeout)
        parts = urllib.parse.urlsplit(self.endpoint.url or "")
        if parts.scheme == "https":
            return http.client.HTTPSConnection(parts.hostname or "", parts.port or 443, timeout=timeout, context=self.ssl_context)
        return http.client.HTTPConnection(parts.hostname or "", parts.port or 80, timeout=timeout)

    def prefix(self, path: str) -> str:
        """The request target: the URL's own path (a gaia behind a proxy prefix) before `path`."""
        if self.endpoint.url is None:
            return path
        return urllib.parse.urlsplit(self.endpoint.url).path.rstrip("/") + path

    def request(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None, *, timeout: float | None = None, into: Any = None, replayable: bool | None = None) -> Response:
        """One request; a `GaiaError` for an error status, `GaiaUnreachable` when there is no gaia.

        `body` may be a dict (sent as JSON), bytes or any buffer (an ndarray's memory).
        `into`, a writable buffer (or a function of the answer's headers that returns one),
        receives a successful answer's body without a copy.
        `replayable` says the request may be sent twice (default: GET, HEAD and DELETE, which
        change nothing twice; a submission is, with an idempotency key, SPEC §5).
        """
        if replayable is None:
            replayable = method in ("GET", "HEAD", "DELETE")
        sent = dict(self.base_headers)
        if isinstance(body, (dict, list)):
            body = json.dumps(body, separators=(",", ":"), allow_nan=False).encode()
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        wait = self.timeout if timeout is None else timeout
        for attempt in (1, 2):
            conn, reused = self._connection()
            try:
                conn.timeout = wait
                if conn.sock is not None:
                    conn.sock.settimeout(wait)
                conn.request(method, self.prefix(path), body=body, headers=sent)
                answer = conn.getresponse()
                if into is not None and answer.status < 300:
                    data = _read_into(answer, into(answer.headers) if callable(into) else into)
                else:
                    data = answer.read()
            except _STALE as err:
                self._drop(conn)
                if attempt == 1 and reused and replayable:
                    continue
                raise GaiaUnreachable(str(self.endpoint), err) from err
            except (OSError, http.client.HTTPException) as err:
                self._drop(conn)
                if isinstance(err, socket.timeout):
                    raise GaiaError(0, "timeout", f"{method} {path}: no answer within {wait:g} s") from err
                raise GaiaUnreachable(str(self.endpoint), err) from err
            if answer.will_close:
                self._drop(conn)
            if answer.status >= 400:
                raise api_error(answer.status, data, answer.headers)
            return Response(answer.status, answer.headers, data)
        raise AssertionError("unreachable")

    def json(self, method: str, path: str, body: Any = None, *, timeout: float | None = None, retry_busy_s: float = 0.0) -> Any:
        """The answer's JSON; 429 `queue_full` and 503 `not_ready` (nothing was admitted) are
        tried again after their Retry-After for up to `retry_busy_s` seconds."""
        deadline = time.monotonic() + retry_busy_s
        while True:
            try:
                return self.request(method, path, body, timeout=timeout).json()
            except GaiaError as err:
                if err.code not in ("queue_full", "not_ready") or time.monotonic() >= deadline:
                    raise
                time.sleep(min(max(err.retry_after_s or 1.0, 0.05), max(0.0, deadline - time.monotonic())))

    def _connection(self) -> tuple[http.client.HTTPConnection, bool]:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            return conn, conn.sock is not None
        conn = self.connect(self.timeout)
        self._local.conn = conn
        with self._lock:
            self._all.add(conn)
        return conn, False

    def _drop(self, conn: http.client.HTTPConnection) -> None:
        conn.close()
        if getattr(self._local, "conn", None) is conn:
            self._local.conn = None
        with self._lock:
            self._all.discard(conn)

    def release(self) -> None:
        """Closes the calling thread's connection (a thread that is about to end)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            self._drop(conn)

    def close(self) -> None:
        """Closes every connection this transport opened, in every thread."""
        with self._lock:
            conns, self._all = list(self._all), set()
        for conn in conns:
            conn.close()


def _read_into(answer: http.client.HTTPResponse, into: Any) -> bytes:
    view = memoryview(into).cast("B")
    got = 0
    while got < len(view):
        n = answer.readinto(view[got:])
        if not n:
            break
        got += n
    rest = answer.read()  # drains the connection for its next request
    if got != len(view) or rest:
        raise GaiaError(0, "size_mismatch", f"the answer had {got + len(rest)} bytes, {len(view)} were expected")
    return b""
