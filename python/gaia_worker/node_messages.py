"""The pipeline messages field by field: the mirror of gaia's src/protocol/pipeline-messages.ts
(SPEC §9, §12), checked against the same vectors (test/vectors/pipelines/).

A message is a map whose "t" names it; each field below must be there with its type (``ANY``:
any value, or none). As on the TypeScript side, fields not listed are allowed (a newer peer
may add some). ``check`` says what is wrong with a message, in one line, or None.
"""
from __future__ import annotations

from typing import Any

ANY = object()
NULLABLE_STR = (str, type(None))

MESSAGES: dict[str, dict[str, Any]] = {
    # control, on <run_dir>/nodes.sock
    "node.hello": {"v": int, "secret": str, "session": str, "node": str, "pid": int, "runtime": str},
    "node.init": {"config": ANY, "capacity": int, "listen": NULLABLE_STR, "inputs": list, "outputs": list, "arrays": dict},
    "node.ready": {},
    "node.error": {"phase": str, "error": dict},
    "node.start": {},
    "node.close": {},
    "node.stats": {"stats": dict},
    "node.channel_lost": {"channel": str, "reason": str},
    "node.closed": {"stats": dict},
    # data, one connection per channel
    "chan.open": {"v": int, "secret": str, "session": str, "channel": str},
    "chan.credit": {"n": int},
    "chan.frame": {"value": ANY},
    "chan.end": {},
    "fatal": {"message": str},
}


def _fits(value: Any, kind: Any) -> bool:
    if kind is ANY:
        return True
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def check(message: dict) -> str | None:
    """None when ``message`` is one of the pipeline messages, else why not."""
    tag = message.get("t")
    fields = MESSAGES.get(tag) if isinstance(tag, str) else None
    if fields is None:
        return f"unknown message tag {tag!r}"
    for name, kind in fields.items():
        if kind is ANY:
            continue
        if name not in message or not _fits(message[name], kind):
            return f"bad {tag!r} message: {name}: expected {getattr(kind, '__name__', 'str or null')}, got {type(message.get(name)).__name__}"
    if tag == "chan.credit" and message["n"] < 1:
        return "bad 'chan.credit' message: n: expected an integer >= 1"
    if tag == "node.init" and message["capacity"] < 1:
        return "bad 'node.init' message: capacity: expected an integer >= 1"
    return None
