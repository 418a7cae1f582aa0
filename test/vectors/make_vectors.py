"""Writes the shared protocol test vectors: NAME.json (the meaning) beside NAME.cbor (the bytes).

The bytes come from Python's cbor2, an encoder independent of gaia's TypeScript codec, so the
TypeScript suite checks compatibility rather than agreeing with itself. Run it again only when
adding vectors: python3 test/vectors/make_vectors.py (needs cbor2).
"""
import json
from pathlib import Path

import cbor2

HERE = Path(__file__).parent

VECTORS = {
    "hello-worker": {"t": "hello", "v": 2, "role": "worker", "secret": "0f1e2d3c4b5a69788796a5b4c3d2e1f0", "pool": "default",
                     "worker_id": "default-0", "pid": 4242, "runtime": "python", "tasks": ["echo", "weather.score"],
                     "spare": False, "running": None, "unacked": []},
    "hello-reconnect": {"t": "hello", "v": 2, "role": "worker", "secret": "s", "pool": "py", "worker_id": "py-1", "pid": 70000,
                        "runtime": "bun", "tasks": [], "spare": False,
                        "running": {"id": "01a202a8-4f08-7391-84fd-786d35613778", "attempt": 2},
                        "unacked": [{"id": "01a202a8-4f08-7391-84fd-786d35613779", "attempt": 1}]},
    "hello-spare": {"t": "hello", "v": 2, "role": "worker", "secret": "s", "pool": "py", "worker_id": "py-s0", "pid": 70001,
                    "runtime": "python", "tasks": ["echo"], "spare": True, "running": None, "unacked": []},
    "hello-supervisor": {"t": "hello", "v": 2, "role": "supervisor", "pid": 100, "secret": "s"},
    "welcome": {"t": "welcome", "v": 2, "io_pid": 123},
    "job": {"t": "job", "id": "01a202a8-4f08-7391-84fd-786d35613778", "task": "echo",
            "payload": {"hello": "world", "n": [1, -1, 23, 24, 255, 256, 65535, 65536, -24, -25, -256, -257]},
            "attempt": 1, "timeout_ms": 300000, "session_id": None, "session_reset": False},
    "job-session": {"t": "job", "id": "j2", "task": "model.score", "payload": None, "attempt": 2,
                    "timeout_ms": 600000, "session_id": "user-7", "session_reset": True},
    "result-ok": {"t": "result", "id": "j1", "attempt": 1, "ok": True, "value": {"rmse": 0.125, "label": "été ☀"},
                  "execution_ms": 1.5, "usage": {"user_ms": 0.75, "sys_ms": 0.25, "max_rss_kb": 55108}},
    "result-error": {"t": "result", "id": "j1", "attempt": 3, "ok": False,
                     "error": {"type": "ValueError", "message": "bad input", "traceback": "Traceback ...\nValueError: bad input"},
                     "execution_ms": 0.5, "usage": {"user_ms": 0.5, "sys_ms": 0.0625, "max_rss_kb": 1}},
    "ack": {"t": "ack", "ids": ["j1", "j2"]},
    "promote": {"t": "promote", "worker_id": "py-1"},
    "log": {"t": "log", "id": "j1", "attempt": 1, "lines": [{"level": "info", "line": "loading", "at": "2026-12-01T10:00:00.000Z"}]},
    "progress": {"t": "progress", "id": "j1", "fraction": 0.5, "message": "half way"},
    "fatal": {"t": "fatal", "message": "cannot import module 'tasks'", "traceback": "ModuleNotFoundError", "worker_id": "py-0", "pool": "py"},
    "ping": {"t": "ping", "n": 7},
    "pong": {"t": "pong", "n": 7},
    "cancel": {"t": "cancel", "id": "j1"},
    "drain": {"t": "drain"},
    "req": {"t": "req", "id": 1, "call": {"op": "logs.tail", "process": "default-0", "n": 100}},
    "res": {"t": "res", "id": 1, "ok": True, "value": {"lines": []}},
    "res-error": {"t": "res", "id": 9, "ok": False, "error": {"code": "not_found", "message": "no worker 'x'"}},
    "event": {"t": "event", "event": {"kind": "worker.kill", "worker_id": "default-0", "pid": 9, "reason": "timeout", "detail": None}},
    "event-process": {"t": "event", "event": {"kind": "process", "at": "2026-12-01T10:00:00.000Z", "event": {
        "kind": "process.exited", "data": {"process": "default-0", "pool": "default", "runtime": "bun", "pid": 9,
                                           "code": None, "signal": "SIGKILL", "reason": "crash", "detail": None}}}},
    "big-integers": {"t": "job", "id": "j3", "task": "echo",
                     "payload": {"u32max": 4294967295, "u32max_plus1": 4294967296, "five_billion": 5000000000,
                                 "neg_five_billion": -5000000000, "max_safe": 9007199254740991, "min_safe": -9007199254740991,
                                 "i32min": -2147483648, "below_i32min": -2147483649,
                                 "neg_u32_edge": -4294967296, "beyond_neg_u32": -4294967297},
                     "attempt": 1, "timeout_ms": 1, "session_id": None, "session_reset": False},
    "long-strings": {"t": "progress", "id": "x" * 30, "fraction": 1.0e-3, "message": "é" * 200},
    "nested": {"t": "job", "id": "j4", "task": "echo", "attempt": 1, "timeout_ms": 5,
               "payload": {"a": {"b": {"c": [[], {}, [{"d": -0.5}]]}}, "e": "x" * 300}},
}


def main() -> None:
    for name, message in VECTORS.items():
        (HERE / f"{name}.json").write_text(json.dumps(message, indent=2, ensure_ascii=False) + "\n")
        (HERE / f"{name}.cbor").write_bytes(cbor2.dumps(message))


if __name__ == "__main__":
    main()
