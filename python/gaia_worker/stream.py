"""`EventStream`: `GET /v1/events` as an iterator of `Event` for the sync client.

The stream has a connection of its own (never one a thread's requests use). When it drops,
it reconnects after the server's `retry:` delay with the id of the last event it read as
`Last-Event-ID`, so nothing the server still holds is missed (gaia sends `events.gap` when
it no longer holds them); it gives up, raising, after RECONNECTS failures in a row.
`close()` may be called from another thread: it shuts the socket down, which wakes a read
blocked on it.
"""
from __future__ import annotations

import http.client
import socket
import threading
from typing import Any, Iterable, Iterator

from ._http import Transport, api_error
from ._requests import events_query
from .errors import GaiaUnreachable
from .events import Event, SSEParser

RECONNECTS = 5
#: gaia writes a heartbeat comment every 15 s; a stream silent for longer is dead.
READ_TIMEOUT_S = 45.0


class EventStream:
    """Iterate for events; `close()` (or leaving a ``with`` block) ends the iteration."""

    def __init__(self, transport: Transport, job: str | None = None, last_event_id: int | str | None = None, read_timeout_s: float = READ_TIMEOUT_S, kinds: Iterable[str] | None = None) -> None:
        self.transport = transport
        self.path = events_query(job)
        self.parser = SSEParser(None if kinds is None else frozenset(kinds))
        self.parser.last_id = None if last_event_id is None else str(last_event_id)
        self.read_timeout_s = read_timeout_s
        self._conn: http.client.HTTPConnection | None = None
        self._closed = threading.Event()
        self._iter: Iterator[Event] | None = None
        # Subscribed before returning: a caller that submits next sees its job's events.
        self._first = self._open()

    def __enter__(self) -> "EventStream":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __iter__(self) -> Iterator[Event]:
        return self

    def __next__(self) -> Event:
        if self._iter is None:
            self._iter = self._events()
        return next(self._iter)

    @property
    def last_event_id(self) -> str | None:
        return self.parser.last_id

    def close(self) -> None:
        self._closed.set()
        conn = self._conn
        if conn is not None and conn.sock is not None:
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _events(self) -> Iterator[Event]:
        failures = 0
        while not self._closed.is_set():
            try:
                (answer, first), self._first = self._first or self._open(), None
                failures = 0
                yield from first
                while not self._closed.is_set():
                    chunk = answer.read1(65536)
                    if not chunk:
                        break
                    yield from self.parser.feed(chunk)
            except (OSError, http.client.HTTPException) as err:
                if self._closed.is_set():
                    break
                failures += 1
                if failures > RECONNECTS:
                    raise GaiaUnreachable(str(self.transport.endpoint), err) from err
            finally:
                self._drop()
            if not self._closed.is_set():
                self._closed.wait(self.parser.retry_s if self.parser.retry_s is not None else 1.0)

    def _open(self) -> tuple[http.client.HTTPResponse, list[Event]]:
        conn = self.transport.connect(self.read_timeout_s)
        self._conn = conn
        headers = dict(self.transport.base_headers, Accept="text/event-stream")
        if self.parser.last_id is not None:
            headers["Last-Event-ID"] = self.parser.last_id
        conn.request("GET", self.transport.prefix(self.path), headers=headers)
        answer = conn.getresponse()
        if answer.status >= 400:
            raise api_error(answer.status, answer.read(), answer.headers)
        # The server's first bytes (`retry:` and `: subscribed`) say it holds the subscription.
        return answer, self.parser.feed(answer.read1(65536))

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

