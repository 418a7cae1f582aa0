"""The channels of a Python node (SPEC §12), the mirror of gaia's src/channels/producer.ts and
consumer.ts; message names and fields as in src/protocol/pipeline-messages.ts.

A consumer grants ``capacity`` credits when it accepts a channel (``chan.open``, with the run's
secret) and one more per frame it has finished with; a producer spends one per frame and
blocks in ``emit`` with none. Frames leave in batches: what ``process`` emits while frames are
waiting goes in one write per channel (flushed before any blocking wait and after each batch),
and credits likewise, so a busy chain costs a few syscalls per batch, not per frame.
"""
from __future__ import annotations

import collections
import socket
import time
from typing import Any, Callable

import cbor2

from .node_frames import FRAME_PREFIX, FrameDecoder, LENGTH, frame_bytes, receive, send_all
from .node_values import Slot, SlotMaps, SlotPool, encode_value, make_tag_hook, scalar_default
from .protocol import MAX_FRAME_BYTES, FrameError

FLUSH_BYTES = 64 * 1024
_NO_SLOTS: list[Slot] = []  # shared by every frame without large arrays (never appended to)
_dumps = cbor2.dumps


class ChannelError(Exception):
    """A peer broke the channel protocol; the message is one line."""


class InputChannel:
    """The consumer end of one channel, on a connection whose ``chan.open`` was accepted."""

    def __init__(self, sock: socket.socket, channel: str, port: str, capacity: int, maps: SlotMaps) -> None:
        self.sock, self.channel, self.port, self.capacity = sock, channel, port, capacity
        self.frames_in = FrameDecoder(make_tag_hook(maps))
        self.state = "open"  # open | ended | lost
        self.outstanding = 0
        self.frames = 0
        self.credit = 0
        try:
            send_all(sock, frame_bytes({"t": "chan.credit", "n": capacity}))
        except OSError:
            pass  # a producer that opened and ended at once may be gone already: its bytes are read

    def read(self) -> list[Any] | None:
        """The values that arrived; None when the producer went away without ``chan.end``."""
        try:
            chunk = receive(self.sock)
        except (ConnectionError, OSError):
            chunk = b""
        if not chunk:
            if self.state == "open":
                self.state = "lost"
                return None
            return []
        return self.take(self.frames_in.feed(chunk))

    def take(self, messages: list[dict]) -> list[Any]:
        """The values of frames read; ``chan.end`` ends the channel; anything else breaks it."""
        values = []
        for message in messages:
            kind = message["t"]
            if kind == "chan.frame" and self.state == "open":
                if self.outstanding >= self.capacity:
                    raise ChannelError(f"channel {self.channel} sent a frame beyond its {self.capacity} credits")
                self.outstanding += 1
                self.frames += 1
                values.append(message.get("value"))
            elif kind == "chan.end" and self.state == "open":
                self.state = "ended"
            else:
                raise ChannelError(f"channel {self.channel} expects chan.frame or chan.end, got {kind!r} while {self.state}")
        return values

    def release(self) -> None:
        self.outstanding -= 1
        self.credit += 1

    def flush_credit(self) -> None:
        if self.credit and self.state == "open":
            try:
                send_all(self.sock, frame_bytes({"t": "chan.credit", "n": self.credit}))
            except OSError:
                pass  # the producer is gone; its exit decides what happens to the session
            self.credit = 0


class OutputChannel:
    """The producer end of one channel: connects, opens, spends credits, batches frames."""

    def __init__(self, channel: str, path: str, release: Callable[[Slot], None]) -> None:
        self.channel, self.path, self.release = channel, path, release
        self.sock: socket.socket | None = None
        self.state = "connecting"  # connecting | open | ended | lost
        self.lost_reason = ""
        self.frames_in = FrameDecoder()
        self.credits = 0
        self.outbox: list[bytes] = []
        self.outbox_bytes = 0
        self.inflight: collections.deque[list[Slot]] = collections.deque()
        self.frames = 0
        self.wait_s = 0.0

    def connect(self, open_message: dict) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(self.path)
            send_all(sock, frame_bytes(open_message))
        except OSError as err:
            sock.close()
            return self.lose(f"cannot connect to {self.path}: {err}")
        self.sock, self.state = sock, "open"

    def poll(self, block: bool) -> None:
        """Reads what the consumer sent (credits): waits for it when ``block``."""
        if self.state != "open":
            return
        assert self.sock is not None
        try:
            chunk = receive(self.sock) if block else receive(self.sock, socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as err:
            return self.lose(f"the consumer's connection failed: {err}")
        if not chunk:
            return self.lose("the consumer closed the channel")
        try:
            for message in self.frames_in.feed(chunk):
                if message["t"] == "chan.credit" and isinstance(message.get("n"), int) and message["n"] >= 1:
                    for _ in range(min(message["n"], len(self.inflight))):
                        for slot in self.inflight.popleft():
                            self.release(slot)
                    self.credits += message["n"]
                elif message["t"] == "fatal":
                    return self.lose(f"the consumer refused the channel: {message.get('message')}")
                else:
                    return self.lose(f"a producer expects chan.credit, got {message['t']!r}")
        except FrameError as err:
            self.lose(str(err))

    def send(self, frame: bytes, slots: list[Slot]) -> None:
        self.credits -= 1
        self.frames += 1
        self.inflight.append(slots)
        self.outbox.append(frame)
        self.outbox_bytes += len(frame)
        if self.outbox_bytes >= FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        if not self.outbox or self.state != "open":
            return
        assert self.sock is not None
        data = self.outbox[0] if len(self.outbox) == 1 else b"".join(self.outbox)
        self.outbox, self.outbox_bytes = [], 0
        try:
            send_all(self.sock, data)
        except OSError as err:
            self.lose(f"the consumer's connection failed: {err}")

    def end(self) -> None:
        if self.state != "open":
            return
        self.outbox.append(frame_bytes({"t": "chan.end"}))
        self.flush()
        self.state = "ended"
        assert self.sock is not None
        self.sock.close()

    def lose(self, reason: str) -> None:
        if self.state in ("lost", "ended"):
            return
        self.state, self.lost_reason = "lost", reason
        if self.sock is not None:
            self.sock.close()


class OutputPort:
    """One declared output: each value encoded once, the same frame sent on each channel."""

    def __init__(self, port: str, channels: list[OutputChannel], pool: SlotPool, wait: Callable[[OutputChannel], None]) -> None:
        self.port, self.channels, self.pool, self.wait = port, channels, pool, wait
        self.frames = 0
        self.slots: list[Slot] | None = None
        self.place = self._place  # bound once, not per frame

    def emit(self, value: Any) -> None:
        channels = self.channels
        for ch in channels:
            if ch.credits <= 0:
                started = time.perf_counter()
                self.wait(ch)
                ch.wait_s += time.perf_counter() - started
        self.slots = None  # made by _place when the value has large arrays
        try:
            body = FRAME_PREFIX + _dumps(encode_value(value, self.place), default=scalar_default)
        except BaseException:
            for slot in self.slots or ():
                slot.refs = 1
                self.pool.release(slot)
            raise
        if len(body) > MAX_FRAME_BYTES:
            raise FrameError(f"frame of {len(body)} bytes exceeds the {MAX_FRAME_BYTES}-byte cap")
        frame = LENGTH.pack(len(body)) + body
        slots = self.slots or _NO_SLOTS
        for slot in slots:
            slot.refs = len(channels)
        for ch in channels:
            ch.send(frame, slots)
        self.frames += 1

    def _place(self, source: Any, nbytes: int) -> dict:
        slot = self.pool.write(source, nbytes)
        if self.slots is None:
            self.slots = []
        self.slots.append(slot)
        return {"file": slot.file, "offset": 0, "length": nbytes}

    def stats(self) -> dict:
        return {
            "frames": self.frames,
            "wait_ms": round(max((ch.wait_s for ch in self.channels), default=0.0) * 1000, 3),
            "channels": {ch.channel: len(ch.inflight) for ch in self.channels},
        }
