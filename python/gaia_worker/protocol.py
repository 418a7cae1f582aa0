"""Frames and messages, the Python mirror of src/protocol/ (SPEC §9).

A frame is a u32 big-endian length, then that many bytes of one CBOR data item: a map with
text keys whose "t" names the message (messages.py lists them, field by field, and checks
each one read). Frames are at most 16 MiB. cbor2 writes plain
standard CBOR; the shared vectors in test/vectors/ keep this side byte-compatible with the
TypeScript side.
"""
from __future__ import annotations

import io
import struct
from typing import Any

import cbor2

from .messages import check

#: Bumped when a message changes incompatibly (src/protocol/messages.ts says the same).
PROTOCOL_VERSION = 2
MAX_FRAME_BYTES = 16 * 1024 * 1024

Message = dict[str, Any]


class FrameError(Exception):
    """A frame that cannot be read: too long, not CBOR, or not a message."""


def encode_frame(message: Message) -> bytes:
    """The frame for one message; FrameError if it is over the cap."""
    body = cbor2.dumps(message)
    if len(body) > MAX_FRAME_BYTES:
        raise FrameError(f"frame of {len(body)} bytes exceeds the {MAX_FRAME_BYTES}-byte cap")
    return struct.pack(">I", len(body)) + body


class FrameReader:
    """Fed whatever the socket returns; yields whole messages.

    A length beyond the cap is refused before any of its bytes are buffered.
    """

    def __init__(self, checked: bool = False) -> None:
        self._buffer = bytearray()
        #: Whether each message must fit its worker-message schema (a worker's reader does).
        self.checked = checked

    def feed(self, chunk: bytes) -> list[Message]:
        self._buffer += chunk
        messages: list[Message] = []
        while len(self._buffer) >= 4:
            (length,) = struct.unpack_from(">I", self._buffer, 0)
            if length > MAX_FRAME_BYTES:
                raise FrameError(f"frame length {length} exceeds the {MAX_FRAME_BYTES}-byte cap")
            if len(self._buffer) < 4 + length:
                break
            body = bytes(self._buffer[4 : 4 + length])
            del self._buffer[: 4 + length]
            messages.append(decode_checked(body) if self.checked else decode_message(body))
        return messages


def decode_message(body: bytes) -> Message:
    """Exactly one CBOR data item, which must be a message; FrameError otherwise."""
    stream = io.BytesIO(body)
    try:
        value = cbor2.CBORDecoder(stream).decode()
    except Exception as err:  # cbor2 raises several types for malformed input
        raise FrameError(f"undecodable CBOR in a {len(body)}-byte frame: {err}") from err
    if stream.tell() != len(body):
        raise FrameError(f"{len(body) - stream.tell()} bytes after the data item in a {len(body)}-byte frame")
    if not isinstance(value, dict) or not isinstance(value.get("t"), str):
        raise FrameError(f"a frame that is not a message (a map with a text 't'): {type(value).__name__}")
    return value


def decode_checked(body: bytes) -> Message:
    """A frame's message that must also fit its schema (messages.py); FrameError otherwise."""
    message = decode_message(body)
    problem = check(message)
    if problem:
        raise FrameError(problem)
    return message
