"""Server-Sent Events from `GET /v1/events` (SPEC §7), parsed without any IO so the sync and
the asyncio clients share it.

gaia writes each event as `id: N`, `event: KIND` and one `data:` line of JSON
`{id, kind, at, data}`; comments (`: heartbeat ...`) keep an idle stream open. The parser
follows the WHATWG rules (https://html.spec.whatwg.org/multipage/server-sent-events.html):
fields up to a blank line make one event, several `data:` lines join with newlines, and a
line may end in CRLF, LF or CR.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Event:
    """One event: `id` (an integer, to resume with `last_event_id`), `kind` such as
    ``job.finished``, `at` (ISO 8601), and `data` (the event's own fields).

    Example::

        for event in client.events(job=job.id):
            if event.kind == "job.progress":
                print(event.data["fraction"], event.data["message"])
            if event.kind == "job.finished":
                break
    """

    id: int | None
    kind: str
    at: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


class SSEParser:
    """Feed it bytes as they arrive; it returns the complete events in them.

    `kinds`, when given, keeps only events of those kinds (the others are not decoded).
    """

    def __init__(self, kinds: frozenset[str] | None = None) -> None:
        self._tail = b""
        self._skip_lf = False  # the last chunk ended in CR: an LF first in the next completes it
        self._data: list[str] = []
        self._kind = ""
        self._id: str | None = None
        self._kinds = kinds
        #: The id of the last event seen, for a reconnect's Last-Event-ID.
        self.last_id: str | None = None
        #: The reconnection delay the server asked for (`retry:`), in seconds.
        self.retry_s: float | None = None

    def feed(self, chunk: bytes) -> list[Event]:
        if self._skip_lf and chunk.startswith(b"\n"):
            chunk = chunk[1:]
        # One split per chunk, not a slice per line: a chunk holds hundreds of events.
        data = self._tail + chunk if self._tail else chunk
        lines = _LINES.split(data)
        self._tail = lines.pop()  # the unfinished last line ('' after a line end)
        self._skip_lf = data.endswith(b"\r")
        events: list[Event] = []
        for raw in lines:
            event = self._line(raw.decode("utf-8", "replace"))
            if event is not None:
                events.append(event)
        return events

    def _line(self, line: str) -> Event | None:
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._kind = value
        elif name == "id" and "\0" not in value:
            self._id = value
        elif name == "retry" and value.isdigit():
            self.retry_s = int(value) / 1000
        return None

    def _dispatch(self) -> Event | None:
        if self._id is not None:
            self.last_id = self._id
        data, kind, ident = self._data, self._kind, self._id
        self._data, self._kind, self._id = [], "", None
        if not data and not kind:
            return None
        if self._kinds is not None and kind not in self._kinds:
            return None
        return to_event(ident, kind, "\n".join(data))


_LINES = re.compile(rb"\r\n|\r|\n")


def to_event(ident: str | None, kind: str, data: str) -> Event:
    """An event from its fields; gaia's JSON envelope `{id, kind, at, data}` is unpacked."""
    try:
        body = json.loads(data) if data else {}
    except ValueError:
        body = {"text": data}
    number = int(ident) if ident is not None and ident.isdigit() else None
    if isinstance(body, dict) and "kind" in body and isinstance(body.get("data"), dict):
        return Event(number, str(body.get("kind") or kind or "message"), body.get("at"), body["data"])
    return Event(number, kind or "message", None, body if isinstance(body, dict) else {"value": body})
