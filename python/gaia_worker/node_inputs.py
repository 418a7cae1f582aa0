"""A Python node's input side (the mirror of gaia's workers/node/inputs.ts): its data socket,
the connections producers make to it, the channels they open, and the frames they bring into
the node's inbox, in the order they arrived across all inputs.

A connection must open a channel this node takes (``chan.open`` with the run's secret, this
session, a channel of its inputs not open yet) within 10 s; anything else gets ``fatal`` or is
dropped, with a log line, and only that connection goes. A channel that breaks its protocol
(a frame past its credits, bytes that do not decode) or whose producer goes without
``chan.end`` is reported to the session runtime as lost.
"""
from __future__ import annotations

import collections
import hmac
import os
import selectors
import socket
import sys
import time
from typing import Any, Callable

from .node_channels import ChannelError, InputChannel
from .node_messages import check
from .node_frames import FrameDecoder, frame_bytes, receive, send_all
from .node_values import SlotMaps
from .protocol import PROTOCOL_VERSION, FrameError

OPEN_WITHIN_S = 10.0


def log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class Inputs:
    def __init__(self, init: dict, session: str, secret: str, sel: selectors.BaseSelector,
                 inbox: collections.deque, lost: Callable[[str, str], None]) -> None:
        self.session, self.secret, self.sel, self.inbox, self.lost = session, secret, sel, inbox, lost
        self.capacity = init["capacity"]
        arrays = init["arrays"]
        self.specs = {e["channel"]: (e["port"], SlotMaps(arrays["dir"], arrays["accept"], self.capacity + 4)) for e in init["inputs"]}
        self.channels: dict[str, InputChannel] = {}
        self.pending: dict[socket.socket, tuple[FrameDecoder, float]] = {}

    def listen(self, path: str | None) -> None:
        """Binds the data socket before the node reports ready: producers connect after start."""
        if not path:
            return
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        listener.listen(64)
        self.sel.register(listener, selectors.EVENT_READ, "listener")

    @property
    def ended(self) -> bool:
        return len(self.channels) == len(self.specs) and all(c.state == "ended" for c in self.channels.values())

    def ready(self, what: Any, sock: Any) -> None:
        """One readable socket of this side (its selector data says which)."""
        if what == "listener":
            conn, _ = sock.accept()
            self.pending[conn] = (FrameDecoder(), time.monotonic() + OPEN_WITHIN_S)
            self.sel.register(conn, selectors.EVENT_READ, "pending")
        elif what == "pending":
            self.on_pending(sock)
        else:
            self.on_input(what)

    def on_pending(self, conn: socket.socket) -> None:
        frames, _ = self.pending[conn]
        try:
            chunk = receive(conn)
            messages = frames.feed(chunk) if chunk else None
            if messages is None:
                return self.drop(conn, None)
            if not messages:
                return
            reason = self.accept(conn, messages[0], messages[1:])
        except (FrameError, OSError) as err:
            return self.drop(conn, f"dropping connection: {err}")
        if reason:
            try:
                send_all(conn, frame_bytes({"t": "fatal", "message": reason}))
            except OSError:
                pass
            self.drop(conn, f"refusing a channel: {reason}")

    def accept(self, conn: socket.socket, m: dict, after: list[dict]) -> str | None:
        """Opens the channel a first frame asks for; the reason when it is refused."""
        channel = m.get("channel")
        if m["t"] != "chan.open":
            return f"expected chan.open first, got {m['t']!r}"
        malformed = check(m)
        if malformed:
            return malformed
        if m.get("v") != PROTOCOL_VERSION:
            return f"protocol version {m.get('v')!r}; this gaia speaks {PROTOCOL_VERSION}"
        if not isinstance(m.get("secret"), str) or not hmac.compare_digest(m["secret"].encode(), self.secret.encode()):
            return f"wrong secret for channel {channel}"
        if m.get("session") != self.session:
            return f"channel {channel} of session {m.get('session')} opened at session {self.session}"
        if channel in self.channels:
            return f"channel {channel} is already open"
        if channel not in self.specs:
            return f"no channel {channel} in session {self.session} here"
        del self.pending[conn]
        self.sel.unregister(conn)
        port, maps = self.specs[channel]
        ch = InputChannel(conn, channel, port, self.capacity, maps)
        self.channels[channel] = ch
        self.sel.register(conn, selectors.EVENT_READ, ch)
        # What came with the open (a chan.end, when the session ended as it started) is the
        # channel's: a frame among it is one beyond the credits, which breaks the channel.
        self.take(ch, lambda: ch.take(after) if after else [])
        return None

    def drop(self, conn: socket.socket, line: str | None) -> None:
        if line:
            log(line)
        if self.pending.pop(conn, None) is not None:
            self.sel.unregister(conn)
        conn.close()

    def on_input(self, ch: InputChannel) -> None:
        self.take(ch, ch.read)

    def take(self, ch: InputChannel, read: Callable[[], list[Any] | None]) -> None:
        reason = "the producer's connection closed without chan.end"
        try:
            values = read()
        except (FrameError, ChannelError) as err:
            log(f"dropping connection: {err}")
            values, reason = None, str(err)
        if values is None:
            ch.state = "lost"
            self.sel.unregister(ch.sock)
            ch.sock.close()
            return self.lost(ch.channel, reason)
        for value in values:
            self.inbox.append((ch, value))
        if ch.state == "ended":
            self.sel.unregister(ch.sock)
            ch.sock.close()

    def expire(self, now: float) -> None:
        for conn, (_, deadline) in list(self.pending.items()):
            if now > deadline:
                self.drop(conn, f"dropping connection: no chan.open within {OPEN_WITHIN_S:g} s")

    def flush_credits(self) -> None:
        for ch in self.channels.values():
            ch.flush_credit()

    def stats(self) -> dict:
        out = {port: {"frames": 0, "queued": 0} for port, _ in self.specs.values()}
        for ch in self.channels.values():
            out[ch.port] = {"frames": ch.frames, "queued": ch.outstanding}
        return out
