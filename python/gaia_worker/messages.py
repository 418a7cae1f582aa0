"""The worker messages of src/protocol/worker-messages.ts, field by field (SPEC §9).

`FIELDS` names, for every message a worker sends or receives, each field with the types it
may hold and whether it must be there; `check` refuses a message that does not fit (the
reader drops that connection with the reason, as the TypeScript side does). Fields a newer
peer adds are ignored. test/protocol-mirror.test.ts compares this table with the TypeScript
schemas, so the two cannot drift apart unnoticed.
"""
from __future__ import annotations

from typing import Any

Message = dict[str, Any]

_NUM = (int, float)
_OPT_STR = (str, type(None))
_ANY = object

#: tag -> field -> (accepted types, required)
FIELDS: dict[str, dict[str, tuple[tuple[type, ...] | type, bool]]] = {
    "hello": {
        "v": (int, True), "role": (str, True), "secret": (str, True), "pool": (str, True), "worker_id": (str, True),
        "pid": (int, True), "runtime": (str, True), "tasks": (list, True), "spare": (bool, False), "gpus": (list, False),
        "running": ((dict, type(None)), False), "unacked": (list, False),
    },
    "welcome": {"v": (int, True), "io_pid": (int, True), "arrays": (dict, False)},
    "job": {
        "id": (str, True), "task": (str, True), "payload": (_ANY, False), "attempt": (int, True), "timeout_ms": (_NUM, True), "priority": (int, False),
        "session_id": (_OPT_STR, False), "session_reset": (bool, False), "arrays": (dict, False),
    },
    "result": {
        "id": (str, True), "attempt": (int, True), "ok": (bool, True), "value": (_ANY, False), "error": (dict, False),
        "execution_ms": (_NUM, True), "usage": (dict, True), "arrays": (dict, False),
    },
    "ack": {"ids": (list, True)},
    "progress": {"id": (str, True), "fraction": (_NUM, True), "message": (_OPT_STR, False)},
    "log": {"id": (str, True), "attempt": (int, True), "lines": (list, True)},
    "ping": {"n": (_NUM, True)},
    "pong": {"n": (_NUM, True)},
    "cancel": {"id": (str, True)},
    "drain": {},
    "promote": {"worker_id": (str, True)},
    "fatal": {"message": (str, True), "traceback": (str, False), "worker_id": (str, False), "pool": (str, False)},
}


def check(message: Message) -> str | None:
    """None when `message` fits its schema, else what is wrong with it (one line)."""
    tag = message.get("t")
    fields = FIELDS.get(tag) if isinstance(tag, str) else None
    if fields is None:
        return f"unknown message tag {tag!r}"
    for name, (types, required) in fields.items():
        if name not in message:
            if required:
                return f"bad '{tag}' message: {name}: missing"
            continue
        value = message[name]
        if types is _ANY:
            continue
        # bool is an int in Python: an int field must not take True.
        if isinstance(value, bool) and types in (int, _NUM):
            return f"bad '{tag}' message: {name}: expected a number, got a bool"
        if not isinstance(value, types):  # type: ignore[arg-type]
            return f"bad '{tag}' message: {name}: expected {types}, got {type(value).__name__}"
    return None
