"""Shared set-up for the gaia_worker suite.

Puts python/ at the front of sys.path, so `import gaia_worker` finds this checkout from any
working directory, and offers two fixtures:

- `register`: registers a task handler for one test and removes it afterwards (the registry
  is module-global, so a name left behind would leak into later tests).
- `spawn_worker`: a real `python -m gaia_worker` process and the IO engine's end of its
  connection: a real Unix socket the test listens on. Every wait is bounded by WAIT_S, so a
  worker that hangs fails the test instead of blocking the suite.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

PYTHON_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PYTHON_DIR))

from gaia_worker import registry  # noqa: E402
from gaia_worker.protocol import FrameReader, encode_frame  # noqa: E402

#: The longest any single wait may take before the test fails.
WAIT_S = 15.0


@pytest.fixture
def register():
    added: list[str] = []

    def register_task(name: str, handler: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
        added.append(name)
        return registry.task(name)(handler)

    yield register_task
    for name in added:
        registry._tasks.pop(name, None)


class WorkerPeer:
    """One worker process and the listening socket it connects to, as the IO engine sees them."""

    def __init__(self, tmp_path: Path, modules: list[str]) -> None:
        self.path = str(tmp_path / "io.sock")
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.path)
        self.listener.listen(4)
        self.listener.settimeout(WAIT_S)
        self.conn: socket.socket | None = None
        self.reader = FrameReader(checked=True)
        self.pending: list[dict[str, Any]] = []
        self.hello_message: dict[str, Any] | None = None
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(PYTHON_DIR), os.environ.get("PYTHONPATH")])))
        argv = ["--socket", self.path, "--pool", "py", "--id", "py-0", "--modules", json.dumps(modules)]
        # stdin stays an open pipe: EOF on it means "the supervisor is gone" and ends the worker.
        self.proc = subprocess.Popen([sys.executable, "-m", "gaia_worker", *argv], stdin=subprocess.PIPE, env=env)

    def accept(self) -> None:
        self.conn, _ = self.listener.accept()
        self.conn.settimeout(WAIT_S)

    def send(self, *messages: dict[str, Any]) -> None:
        """Sends the messages in one write, so the worker reads them together."""
        assert self.conn is not None, "accept() first"
        self.conn.sendall(b"".join(encode_frame(m) for m in messages))

    def receive(self) -> dict[str, Any] | None:
        """The next message, or None once the worker closed the connection."""
        assert self.conn is not None, "accept() first"
        while not self.pending:
            chunk = self.conn.recv(1 << 16)  # socket.timeout after WAIT_S fails the test
            if not chunk:
                return None
            self.pending.extend(self.reader.feed(chunk))
        return self.pending.pop(0)

    def receive_kind(self, kind: str) -> dict[str, Any]:
        """The next message of `kind`, skipping others (progress, ...); fails on a closed connection."""
        while True:
            message = self.receive()
            assert message is not None, f"the worker closed the connection before a {kind!r} message"
            if message["t"] == kind:
                return message

    def receive_until_closed(self) -> list[dict[str, Any]]:
        messages = []
        while (message := self.receive()) is not None:
            messages.append(message)
        return messages

    def hello(self) -> dict[str, Any]:
        self.accept()
        message = self.receive()
        assert message is not None and message["t"] == "hello", f"expected hello first, got {message!r}"
        self.hello_message = message
        return message

    def wait_exit(self) -> int:
        return self.proc.wait(timeout=WAIT_S)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=WAIT_S)
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        for sock in (self.conn, self.listener):
            if sock is not None:
                sock.close()


@pytest.fixture
def spawn_worker(tmp_path: Path):
    peers: list[WorkerPeer] = []

    def spawn(modules: list[str]) -> WorkerPeer:
        peers.append(WorkerPeer(tmp_path, modules))
        return peers[-1]

    yield spawn
    for peer in peers:
        peer.close()
